"""Load benchmark: newcomers talk to `werkhelpdesk run` replicas in webhook mode through the fake Bot API.

    .venv/bin/python bench/load.py --rate 500                      # open loop, 1 replica, PostgreSQL (drops schema public of the test DB!)
    .venv/bin/python bench/load.py --rate 500 --processes 2        # 1 replica of 2 processes (WEBHOOK_PROCESSES)
    .venv/bin/python bench/load.py --rate 500 --replicas 2
    .venv/bin/python bench/load.py --rate 500 --db sqlite
    .venv/bin/python bench/load.py --saturate --concurrency 100    # closed loop: the maximum throughput
    .venv/bin/python bench/load.py --all                           # both, for 1 replica (1 and 2 processes) and 2 on PostgreSQL, 1 on SQLite
    .venv/bin/python bench/load.py --rate 500 --pin                # the replica on a core of its own (see below)
    .venv/bin/python bench/load.py --rate 100 --console-pages 10   # ten coaches keep case pages open (bench/console_pages.py)

Each newcomer (language nl/ar/ti/en at random) sends a question, presses the first button of the reply,
sends a second question and says thanks; 5% press "a:coach_yes" instead of the second question and
stop there. One chat's updates are sent one after the other, as Telegram does: the next one only after
the reply to the previous one arrived, plus a think time (uniformly 0.5-1.5 × --think). Updates go
round-robin to the replicas (within one chat too) as real HTTP POSTs with the secret header; the bot's
replies are real Bot API calls to a stand-in for the Bot API in a process of its own, which streams the
arrival time of every sendMessage back to this driver. By default (`--stand-ins lean`) that is
bench/lean_tg.py and the driver posts with bench/lean_http.py: both need a fraction of the CPU of the
test suite's fake (tests/fake_bot_api.py, run by bench/fake_tg.py) and aiohttp's client
(`--stand-ins full`), which took ~0.4 of the machine's 2 cores at 500/s away from the bot under test.

Open loop (default, `--rate R`): new conversations start as a Poisson process at R / 3.95 per second,
so that R messages per second are offered whatever the bot does (3.95 = messages per conversation).
Closed loop (`--saturate`): `--concurrency` conversations are in flight at all times, each replaced by
a new one when done; its throughput is the maximum the setup sustains, and its latency is mostly
queueing (Little's law: concurrency / throughput), so only the open loop says anything about latency.

Each run: fresh database and replicas, `--warmup` seconds of load that are not measured, then
`--duration` measured seconds; after that no conversation sends another message, and the run waits for
the replies still due (at most 30 s). Measured are the updates posted in the window:
- latency: from posting the update to the first sendMessage to that chat reaching the fake Bot API;
  p50/p95/p99/max (the driver opens at most 100 connections per replica, like Telegram's
  max_connections; an update waiting for a free connection counts as latency too);
- achieved msg/s: first replies that arrived in the window, per second;
- lost: no reply within 30 s; errors: webhook answers other than 200 (or connection failures);
- duplicated: more replies than the turn calls for. The replies of a turn are the chat's sendMessages
  between its update and the chat's next update; every turn gets exactly one, except an answer on a
  sensitive topic, which is followed by the offer of a coach (a message with the "a:coach_yes" button),
  so [answer, offer] counts as two expected replies. The "a:coach_yes" turn itself gets exactly one
  (you are in the queue); the card for the coaches goes to the coaches' group or coaches, of which the
  benchmark has none (sendMessages to chats that are no newcomer's are reported as "other").
- CPU seconds of each replica (all its processes), the fake Bot API and this driver during the window,
  and the replicas' CPU ms per update (all replicas together); if the driver or the fake approach
  1.0 s per second, they are the bottleneck rather than the bot;
- peak memory of each replica at the end of the run: VmHWM summed over its processes, and PSS (shared
  pages counted once over the processes that share them: a replica's forked processes share modules and
  the NLU model, so PSS is what the replica really holds).
Everything shares this machine's cores with PostgreSQL, unless `--pin` (Linux) puts the replicas on
the first CPU and this driver, the fake Bot API and the local PostgreSQL server's processes on the
others (restored afterwards): the replica then has a core of its own, as it would in production,
where neither Telegram nor, usually, the database runs on the bot's cores. uvloop is used for the driver and the fake
where it is installed; both run without Python's cyclic garbage collector (collected between runs), so
that its pauses in the stand-ins for Telegram are not counted as the bot's latency. The bot itself runs
as deployed (with the collector; `werkhelpdesk run` freezes what it loaded at start-up).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import gc
import json
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import console_pages as console_load  # noqa: E402
from bench.lean_http import HttpError, LeanClient  # noqa: E402
from bench.rates import describe  # noqa: E402
from bot.cli import run_on_fast_loop  # noqa: E402
from bot.db.engine import create_engine  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from tests import fake_bot_api as tg  # noqa: E402
from tests.netutil import free_port, start_werkhelpdesk, wait_until_ok  # noqa: E402

SECRET = "load-benchmark-secret-0001"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
# The run drops this database's schema: TEST_DATABASE_URL names a database that is only for tests.
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
QUESTIONS = {
    "nl": ["Hoe kan ik mijn diploma laten waarderen?", "ik wil CV maken", "hoe werkt een sollicitatie"],
    "ar": ["شلون بعادل شهادتي الجامعية؟", "كيف اكتب سيرة ذاتية CV للشغل بهولندا", "بدي اتعلم هولندي للشغل"],
    "ti": ["ዲፕሎማይ ከመይ ክፈልጦ", "ባህሊ ስራሕ ኣብ ሆላንድ ከመይ እዩ", "CV ከመይ ይጽሓፍ"],
    "en": ["How do I get my foreign degree recognised?", "What is Dutch work culture like?", "help me write a CV"],
}
THANKS = {"nl": "dank je wel", "ar": "شكرا", "ti": "የቐንየለይ", "en": "thank you"}
LANGUAGES = list(QUESTIONS)
COACH_SHARE = 0.05
COACH_YES = "a:coach_yes"
MESSAGES_PER_CONVERSATION = 4 - COACH_SHARE  # question, button, question, thanks; or question, button, coach
REPLY_TIMEOUT = 30.0
CONNECTIONS_PER_REPLICA = 100  # Telegram opens at most max_connections (default 40, at most 100) per webhook
STAND_IN_NICE = 10  # see StandInPriority
# --pace off: the sender's limits far above what the run offers (the bot's own throughput is measured)
UNPACED = {
    "SEND_PER_CHAT_PER_SECOND": "1000",
    "SEND_PER_GROUP_PER_MINUTE": "60000",
    "SEND_PER_BOT_PER_SECOND": "100000",
}
GRACE = 0.5  # seconds to wait for trailing replies (an offer after an answer) after the last reply


@dataclass(slots=True)
class Turn:
    posted: float
    measured: bool
    coach_yes: bool
    button: bool
    acked: float | None = None  # the webhook's answer (200) arrived
    first: float | None = None
    error: bool = False


@dataclass(slots=True)
class Chat:
    replies: list[tuple[float, list[str]]] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    waiter: asyncio.Future[None] | None = None


@dataclass
class Result:
    mode: str
    replicas: int
    db: str
    offered: float
    seconds: float
    updates: int = 0
    answered_in_window: int = 0
    replies: int = 0
    lost: int = 0
    duplicated: int = 0
    errors: int = 0
    other: int = 0
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)  # posting the update to the webhook's 200
    by_kind: dict[str, list[float]] = field(default_factory=lambda: {"text": [], "button": []})
    by_second: dict[int, list[float]] = field(default_factory=dict)  # second of the window the update was posted in
    replica_cpu: list[float] = field(default_factory=list)
    fake_cpu: float = 0.0
    driver_cpu: float = 0.0
    peak_mb: list[float] = field(default_factory=list)  # per replica: the sum over its processes
    pss_mb: list[float] = field(default_factory=list)  # per replica, at the end of the run
    processes: int = 1  # per replica
    machine: dict[str, float] = field(default_factory=dict)  # shares of the machine's CPU time in the window
    problems: list[str] = field(default_factory=list)
    console: str = ""  # --console-pages: the open case pages' latency
    startup: list[float] = field(default_factory=list)  # seconds from launch to /readyz 200
    rates: dict[str, int] = field(default_factory=dict)  # send rates counted by the stand-in (bench/rates.py)

    def quantile(self, q: float, latencies: list[float] | None = None) -> float:
        values = self.latencies if latencies is None else latencies
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def detail(self) -> str:
        """Where the latency is: the webhook's answer, and the replies to typed messages and to buttons."""
        parts = [("webhook 200", self.acks), *((f"{kind} turns", v) for kind, v in self.by_kind.items())]
        worst = sorted(self.by_second.items(), key=lambda item: -self.quantile(0.99, item[1]))[:3]
        return (
            "  latency ms by part: "
            + " | ".join(
                f"{name} ({len(v)}) p50 {self.quantile(0.5, v):.1f} p99 {self.quantile(0.99, v):.1f}"
                for name, v in parts
            )
            + " | worst seconds (p99): "
            + ", ".join(f"{second}: {self.quantile(0.99, v):.0f}" for second, v in worst)
            + " | machine CPU: "
            + ", ".join(f"{name} {100 * share:.0f}%" for name, share in self.machine.items())
        )

    def line(self) -> str:
        setup = f"{self.replicas} replica{'s' if self.replicas > 1 else ''}, {self.db}"
        if self.processes > 1:
            setup += f", {self.processes} processes"
        load = "saturation" if self.mode == "saturate" else f"open loop {self.offered:g}/s"
        cpu = " + ".join(f"{c:.1f}" for c in self.replica_cpu)
        ms_per_update = 1000 * sum(self.replica_cpu) / self.updates if self.updates else float("nan")
        peak = " + ".join(f"{m:.0f}" for m in self.peak_mb)
        text = (
            f"{setup:<22} {load:<17} offered {self.updates / self.seconds:6.1f} msg/s, "
            f"achieved {self.answered_in_window / self.seconds:6.1f} msg/s | latency ms p50 {self.quantile(0.50):.1f} "
            f"p95 {self.quantile(0.95):.1f} p99 {self.quantile(0.99):.1f} max {self.quantile(1.0):.1f} | "
            f"{self.updates} updates, {self.replies} replies, lost {self.lost}, duplicated {self.duplicated}, "
            f"errors {self.errors}, other {self.other} | CPU s in {self.seconds:.0f} s: replicas {cpu} "
            f"({ms_per_update:.1f} ms/update), fake {self.fake_cpu:.1f}, driver {self.driver_cpu:.1f} | "
            f"peak MB {peak} (PSS {' + '.join(f'{m:.0f}' for m in self.pss_mb)})"
        )
        if self.startup:
            text += f" | start-up s {' + '.join(f'{s:.1f}' for s in self.startup)}"
        if self.problems:
            text += f" | problems: {'; '.join(self.problems[:5])}"
        return text


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


MACHINE_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def machine_ticks() -> list[int]:
    """The machine's CPU time by kind since boot (the first line of /proc/stat), in MACHINE_FIELDS order."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1 : 1 + len(MACHINE_FIELDS)]]


def machine_shares(before: list[int], after: list[int]) -> dict[str, float]:
    """Shares of the machine's CPU time between two readings: busy (user, nice, system, interrupts),
    idle (with I/O wait) and steal (time the hypervisor gave this VM's CPUs to others: with much of it,
    fewer than the machine's cores were really there)."""
    d = dict(zip(MACHINE_FIELDS, (b - a for a, b in zip(before, after, strict=True)), strict=True))
    total = sum(d.values()) or 1
    busy = d["user"] + d["nice"] + d["system"] + d["irq"] + d["softirq"]
    return {"busy": busy / total, "idle": (d["idle"] + d["iowait"]) / total, "steal": d["steal"] / total}


def peak_mb(pid: int) -> float:
    """VmHWM (peak resident memory) of a running process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size of a running process, in MB: pages shared with other processes (a
    replica's forked processes share their modules and NLU model) count for each by its share."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) / 1024


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a replica with WEBHOOK_PROCESSES > 1 is a supervisor and its processes)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


def replica_cpu(pid: int) -> float:
    return sum(cpu_seconds(p) for p in process_tree(pid))


async def prepare_database(db: str) -> str:
    if db == "sqlite":
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/load.db"
    else:
        url = PG_URL
        if not url.startswith("postgresql"):
            raise SystemExit("set TEST_DATABASE_URL=postgresql+asyncpg://... (its schema is dropped)")
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


def compile_catalogs() -> str:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = Path(tempfile.mkdtemp())
    for lang in LANGUAGES:
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        target = out / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as fp:
            write_mo(fp, catalog)
    return str(out)


class FakeProcess:
    """bench/fake_tg.py as a child process; its stdout feeds the chats' replies."""

    def __init__(self, chats: dict[int, Chat], script: str = "lean_tg.py") -> None:
        self.chats = chats
        self.script = script
        self.other = 0
        self.summary: dict[str, Any] = {}
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bench" / self.script), stdout=asyncio.subprocess.PIPE, limit=1 << 20
        )
        assert self._process.stdout is not None
        ready = (await asyncio.wait_for(self._process.stdout.readline(), 30)).decode()
        if not ready.startswith("READY "):
            raise RuntimeError(f"fake Bot API did not start: {ready!r}")
        self.url = ready.split()[1]
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        async for raw in self._process.stdout:
            event = json.loads(raw)
            if isinstance(event, dict):
                self.summary = event
                continue
            chat_id, at, buttons = event
            chat = self.chats.get(chat_id)
            if chat is None:
                self.other += 1
                continue
            chat.replies.append((at, buttons))
            if chat.waiter is not None and not chat.waiter.done():
                chat.waiter.set_result(None)

    async def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self._process.wait(), 30)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 30)


class Driver:
    def __init__(self, webhooks: list[str], chats: dict[int, Chat], think: float, seed: int) -> None:
        self.webhooks = webhooks
        self.chats = chats
        self.think = think
        self.rng = random.Random(seed)
        self.update_ids = iter(range(1, 1 << 62))
        self.newcomers = iter(range(100_000, 1 << 40))
        self.window = (float("inf"), float("inf"))
        self.errors: list[str] = []
        self.http: aiohttp.ClientSession | LeanClient | None = None

    def sending(self) -> bool:
        return time.monotonic() < self.window[1]

    async def turn(self, chat_id: int, chat: Chat, update: dict[str, Any], coach_yes: bool = False) -> list[str] | None:
        """Post one update, wait for its first reply and the think time; the reply's buttons, or None."""
        assert self.http is not None
        update["update_id"] = next(self.update_ids)
        body = json.dumps(update, ensure_ascii=False).encode()
        hook = self.webhooks[(chat_id + len(chat.turns)) % len(self.webhooks)]
        before = len(chat.replies)
        posted = time.monotonic()
        turn = Turn(posted, self.window[0] <= posted < self.window[1], coach_yes, "callback_query" in update)
        chat.turns.append(turn)
        try:
            status = await self.post(hook, body)
        except (aiohttp.ClientError, HttpError) as err:
            turn.error = True
            self.errors.append(repr(err))
            return None
        turn.acked = time.monotonic()
        if status != 200:
            turn.error = True
            self.errors.append(f"HTTP {status}")
            return None
        loop = asyncio.get_running_loop()
        deadline = posted + REPLY_TIMEOUT
        while len(chat.replies) <= before:
            chat.waiter = loop.create_future()
            try:
                await asyncio.wait_for(chat.waiter, deadline - time.monotonic())
            except TimeoutError:
                return None
            finally:
                chat.waiter = None
        at, buttons = chat.replies[before]
        turn.first = at
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
        return buttons

    async def post(self, hook: str, body: bytes) -> int:
        assert self.http is not None
        if isinstance(self.http, LeanClient):
            return (await self.http.post(hook, body, HEADERS))[0]
        async with self.http.post(hook, data=body, headers=HEADERS) as response:
            await response.read()
            return response.status

    async def newcomer(self) -> None:
        """One conversation; it stops early when the reply is lost or the sending phase is over."""
        rng = self.rng
        lang = rng.choice(LANGUAGES)
        index = next(self.newcomers)
        user = tg.user(index, f"U{index}", language_code=lang)
        chat_id: int = user["id"]
        chat = self.chats[chat_id] = Chat()
        buttons = await self.turn(chat_id, chat, tg.text_update(user, rng.choice(QUESTIONS[lang])))
        if buttons is None or not self.sending():
            return
        if buttons and (
            await self.turn(chat_id, chat, tg.callback_update(user, buttons[0])) is None or not self.sending()
        ):
            return
        if rng.random() < COACH_SHARE:
            await self.turn(chat_id, chat, tg.callback_update(user, COACH_YES), coach_yes=True)
            return
        if await self.turn(chat_id, chat, tg.text_update(user, rng.choice(QUESTIONS[lang]))) is None:
            return
        if self.sending():
            await self.turn(chat_id, chat, tg.text_update(user, THANKS[lang]))

    async def open_loop(self, rate: float) -> None:
        """Start conversations as a Poisson process until the end of the window, then let them finish."""
        per_second = rate / MESSAGES_PER_CONVERSATION
        tasks: set[asyncio.Task[None]] = set()
        due = time.monotonic()
        while True:
            due += self.rng.expovariate(per_second)
            if due >= self.window[1]:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.newcomer())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*list(tasks))

    async def closed_loop(self, concurrency: int) -> None:
        async def chats_in_a_row() -> None:
            while self.sending():
                await self.newcomer()

        await asyncio.gather(*(chats_in_a_row() for _ in range(concurrency)))


def score(result: Result, chats: dict[int, Chat], window: tuple[float, float]) -> None:
    """Assign each chat's replies to its turns (the replies between a turn's update and the next one)."""
    for chat in chats.values():
        times = [at for at, _ in chat.replies]
        for i, turn in enumerate(chat.turns):
            if turn.first is not None and window[0] <= turn.first < window[1]:
                result.answered_in_window += 1
            if not turn.measured:
                continue
            result.updates += 1
            if turn.error:
                result.errors += 1
                continue
            if turn.first is None:
                result.lost += 1
                continue
            latency = turn.first - turn.posted
            result.latencies.append(latency)
            result.by_kind["button" if turn.button else "text"].append(latency)
            result.by_second.setdefault(int(turn.posted - window[0]), []).append(latency)
            if turn.acked is not None:
                result.acks.append(turn.acked - turn.posted)
            start = bisect.bisect_left(times, turn.posted)
            end = bisect.bisect_left(times, chat.turns[i + 1].posted) if i + 1 < len(chat.turns) else len(times)
            mine = [buttons for _, buttons in chat.replies[start:end]]
            result.replies += len(mine)
            offer_follows = len(mine) >= 2 and COACH_YES in mine[1] and COACH_YES not in mine[0]
            expected = 2 if offer_follows and not turn.coach_yes else 1
            result.duplicated += max(0, len(mine) - expected)


def lower_priority(pid: int, nice: int) -> None:
    """Add `nice` to the niceness of process `pid` (0: this one); raising it needs no privileges."""
    if nice:
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid) + nice)


class StandInPriority:
    """This driver (the load and the clock of the measurement) at a lower priority for one run, as the
    fake Bot API is: the stand-ins for Telegram then take CPU only when the bot and PostgreSQL leave
    some, as if Telegram ran elsewhere (the issue's targets exclude Telegram's network)."""

    def __init__(self, nice: int) -> None:
        self.before = os.getpriority(os.PRIO_PROCESS, 0)
        self.nice = nice
        lower_priority(0, nice)

    def restore(self) -> None:
        if not self.nice:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, 0, self.before)
        except PermissionError:  # only root may lower it again: later replicas would inherit it
            print("could not restore the driver's priority: later runs start their replicas niced", file=sys.stderr)


async def run(
    *, replicas: int, db: str, rate: float, saturate: bool, concurrency: int, warmup: float, duration: float,
    think: float, seed: int = 7, replica_cpus: set[int] | None = None, nice: int = 0, processes: int = 1,
    lean: bool = True, console_pages: int = 0, paced: bool = False,
) -> Result:  # fmt: skip
    url = await prepare_database(db)
    pages = await console_load.prepare(url, console_pages) if console_pages else None
    locales = compile_catalogs()
    chats: dict[int, Chat] = {}
    fake = FakeProcess(chats, "lean_tg.py" if lean else "fake_tg.py")
    await fake.start()
    lower_priority(fake.pid, nice)
    replicas_started: list[asyncio.subprocess.Process] = []
    webhooks: list[str] = []
    launched: list[float] = []
    result = Result("saturate" if saturate else "open", replicas, db, rate, duration, processes=processes)
    niced: StandInPriority | None = None
    try:
        for _ in range(replicas):
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "LOCALES_DIR": locales,
                "TELEGRAM_TOKEN": tg.DEFAULT_TOKEN,
                "TELEGRAM_API_URL": fake.url,
                "WEBHOOK_URL": "https://werkhelpdesk.example/webhook",
                "WEBHOOK_SECRET": SECRET,
                "WEB_PORT": str(port),
                "RASA_URL": "",
                "RATE_LIMIT": "1000",
                **({} if paced else UNPACED),
                "WEBHOOK_PROCESSES": str(processes),
            }
            launched.append(time.monotonic())
            replicas_started.append(await start_werkhelpdesk(env, "run", capture_stderr=False))
            if replica_cpus is not None:  # before it forks: its processes inherit the affinity
                os.sched_setaffinity(replicas_started[-1].pid, replica_cpus)
            webhooks.append(f"http://127.0.0.1:{port}/webhook")
        for hook, started in zip(webhooks, launched, strict=True):
            await wait_until_ok(hook.replace("/webhook", "/readyz"))
            result.startup.append(time.monotonic() - started)  # replicas start side by side: an upper bound
        niced = StandInPriority(nice)  # this driver too, now that the replicas run (they would inherit it)

        driver = Driver(webhooks, chats, think, seed)
        start = time.monotonic()
        driver.window = (start + warmup, start + warmup + duration)
        async with contextlib.AsyncExitStack() as stack:
            if lean:
                driver.http = LeanClient(CONNECTIONS_PER_REPLICA)
                stack.callback(driver.http.close)
            else:
                connector = aiohttp.TCPConnector(limit=0, limit_per_host=CONNECTIONS_PER_REPLICA)
                driver.http = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
            load = driver.closed_loop(concurrency) if saturate else driver.open_loop(rate)
            task = asyncio.create_task(load)
            stop_pages = asyncio.Event()
            if pages is not None:
                bases = [hook.removesuffix("/webhook") for hook in webhooks]
                paging = asyncio.create_task(console_load.keep_open(pages, bases, stop_pages, driver.window))
            await asyncio.sleep(max(0.0, driver.window[0] - time.monotonic()))
            before = [replica_cpu(p.pid) for p in replicas_started], cpu_seconds(fake.pid), cpu_seconds()
            ticks = machine_ticks()
            await asyncio.sleep(max(0.0, driver.window[1] - time.monotonic()))
            after = [replica_cpu(p.pid) for p in replicas_started], cpu_seconds(fake.pid), cpu_seconds()
            result.machine = machine_shares(ticks, machine_ticks())
            stop_pages.set()
            if pages is not None:
                await paging
                result.console = console_load.line(pages)
            await task
        await asyncio.sleep(GRACE)
        result.replica_cpu = [b - a for a, b in zip(before[0], after[0], strict=True)]
        result.fake_cpu, result.driver_cpu = after[1] - before[1], after[2] - before[2]
        result.peak_mb = [sum(peak_mb(q) for q in process_tree(p.pid)) for p in replicas_started]
        result.pss_mb = [sum(pss_mb(q) for q in process_tree(p.pid)) for p in replicas_started]
        score(result, chats, driver.window)
        result.problems = sorted(set(driver.errors))
    finally:
        if niced is not None:
            niced.restore()
        for process in replicas_started:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in replicas_started:
            await asyncio.wait_for(process.wait(), 60)
        await fake.stop()
    result.other = fake.other
    result.rates = fake.summary.get("rates", {})
    if fake.summary.get("server_errors"):
        result.problems.append(f"fake Bot API failed {fake.summary['server_errors']} times")
    failed = {m: {s: n for s, n in by.items() if s != "200"} for m, by in fake.summary.get("calls", {}).items()}
    result.problems += [f"{m} answered {by}" for m, by in failed.items() if by]
    gc.collect()  # the driver runs without automatic collection (see the docstring)
    return result


def postgres_pids() -> list[int]:
    """The local PostgreSQL server's processes (the postmaster forks new backends with its affinity)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def pin(pids: list[int], cpus: set[int]) -> dict[int, set[int]]:
    """Set the CPU affinity of `pids`; their previous affinity, to restore."""
    before: dict[int, set[int]] = {}
    for pid in pids:
        try:
            before[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, cpus)
        except OSError:  # gone, or not ours to pin
            before.pop(pid, None)
    return before


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument(
        "--stand-ins",
        choices=["lean", "full"],
        default="lean",
        help="lean (default): bench/lean_tg.py for the Bot API and bench/lean_http.py for the webhook calls; "
        "full: the test suite's fake (bench/fake_tg.py) and aiohttp's client",
    )
    parser.add_argument("--processes", type=int, default=1, help="processes per replica (WEBHOOK_PROCESSES; PG)")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rate", type=float, default=500.0, help="open loop: messages per second offered")
    parser.add_argument("--saturate", action="store_true", help="closed loop instead: the maximum throughput")
    parser.add_argument(
        "--pace",
        choices=["off", "documented"],
        default="off",
        help="off (default): sends unpaced, to measure the bot alone; documented: Telegram's limits "
        "(SEND_PER_* defaults; use a think time above 1 s, the driver expects a turn's replies before its next one)",
    )
    parser.add_argument("--concurrency", type=int, default=100, help="closed loop: conversations in flight")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds of sending")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the measurement")
    parser.add_argument("--think", type=float, default=None, help="mean think time, s (open 0.2, closed 0.05)")
    parser.add_argument("--users", type=int, default=None, help="open loop: sets --duration to USERS×3.95/rate")
    parser.add_argument(
        "--all", action="store_true", help="both modes: 1 replica (1 and 2 processes), 2 replicas on PG, 1 on SQLite"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the replicas on the first CPU; this driver, the fake Bot API and PostgreSQL on the others",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=STAND_IN_NICE,
        help=f"niceness added to the fake Bot API and this driver during a run (default {STAND_IN_NICE}; 0: none)",
    )
    parser.add_argument(
        "--console-pages",
        type=int,
        default=0,
        help="coaches keep this many case pages open during the load (htmx polling; bench/console_pages.py)",
    )
    args = parser.parse_args()
    restore: dict[int, set[int]] = {}
    replica_cpus = None
    everything = os.sched_getaffinity(0)
    if args.pin:
        cpus = sorted(everything)
        if len(cpus) < 2:
            parser.error("--pin needs at least 2 CPUs")
        replica_cpus, others = {cpus[0]}, set(cpus[1:])
        os.sched_setaffinity(0, others)  # the fake Bot API, started by this driver, inherits it
        restore = pin(postgres_pids(), others)
        if not restore:
            print("could not pin PostgreSQL's processes: it shares the replicas' CPU", file=sys.stderr)
    try:
        await run_all(args, replica_cpus)
    finally:
        if restore:  # and backends started during the run, which got the pinned affinity
            for pid in postgres_pids():
                pin([pid], restore.get(pid, everything))


async def run_all(args: argparse.Namespace, replica_cpus: set[int] | None) -> None:
    if args.users is not None:
        args.duration = args.users * MESSAGES_PER_CONVERSATION / args.rate
    setups = (
        [(1, "postgresql", 1), (1, "postgresql", 2), (2, "postgresql", 1), (1, "sqlite", 1)]
        if args.all
        else [(args.replicas, args.db, args.processes if args.db == "postgresql" else 1)]
    )
    modes = [True, False] if args.all else [args.saturate]
    for replicas, db, processes in setups:
        for saturate in modes:
            think = args.think if args.think is not None else (0.05 if saturate else 0.2)
            result = await run(
                replicas=replicas,
                db=db,
                rate=args.rate,
                saturate=saturate,
                concurrency=args.concurrency,
                warmup=args.warmup,
                duration=args.duration,
                think=think,
                replica_cpus=replica_cpus,
                nice=args.nice,
                processes=processes,
                lean=args.stand_ins == "lean",
                console_pages=args.console_pages,
                paced=args.pace == "documented",
            )
            notes = (
                (" | pinned" if replica_cpus is not None else "")
                + f" | {args.stand_ins} stand-ins"
                + (" | paced: Telegram's limits" if args.pace == "documented" else " | unpaced")
                + (f" | stand-ins nice {args.nice}" if args.nice else "")
            )
            print(result.line() + notes, flush=True)
            print(result.detail(), flush=True)
            if result.console:
                print(result.console, flush=True)
            print("  " + describe(result.rates), flush=True)


if __name__ == "__main__":
    # The stand-ins for Telegram run without the cyclic garbage collector (collected between runs
    # instead), so that its pauses in them are not counted as the bot's latency.
    gc.freeze()
    gc.disable()
    run_on_fast_loop(main())
