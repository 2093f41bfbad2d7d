"""The `werkhelpdesk` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from bot.languages import LANGUAGES
from bot.logredact import install_redaction
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from bot.services import Services

log = logging.getLogger("werkhelpdesk")
T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="werkhelpdesk", description="Werkhelpdesk: work questions of newcomers")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (long polling, or webhook when WEBHOOK_URL is set)")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="reply in this language (default: detect)")
    chat.add_argument("--new", action="store_true", help="erase the terminal's conversation first and start afresh")
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the migrations")
    flows = sub.add_parser("flows", help="FAQ content").add_subparsers(dest="flows_command", required=True)
    check = flows.add_parser("check", help="validate flows/ (exit 1 on errors)")
    check.add_argument("--db", action="store_true", help="validate the published content and its drafts instead")
    status = flows.add_parser("status", help="translation progress: translated, reviewed, stale, unstamped")
    status.add_argument("--by-flow", action="store_true", help="also show each flow")
    status.add_argument(
        "--db", action="store_true", help="the published content instead, and whether flows/ differs from it"
    )
    export = flows.add_parser("export", help="write the published content as flow files into DIR")
    export.add_argument("dir", help="directory, e.g. flows/")
    export.add_argument("--revision", type=int, help="an older revision instead of the published one")
    imp = flows.add_parser("import", help="check the flow files in DIR and publish them as a new revision")
    imp.add_argument("dir", help="directory, e.g. flows/")
    imp.add_argument("--comment", default="", help="why (shown in the history)")
    stamp = flows.add_parser("stamp", help="mark translations as made from the current Dutch text")
    stamp.add_argument(
        "--lang", action="append", required=True, choices=("en", "ar", "ti"), help="translation (repeat for more)"
    )
    stamp.add_argument("--only-missing", action="store_true", help="only translations without an nl_hash yet")
    stamp.add_argument("flow", nargs="*", help="flow ids, e.g. cv_help (default: all flows)")
    coach = sub.add_parser("coach", help="who may work the queue").add_subparsers(dest="coach_command", required=True)
    add = coach.add_parser("add", help="add or update a coach")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--languages", required=True, help="comma-separated, e.g. ar,nl")
    add.add_argument("--staff", action="store_true", help="staff: coach with extra rights")
    add.add_argument(
        "--translator", default="", metavar="LANGS", help="may edit and review FAQ translations in these, e.g. ar,ti"
    )
    coach.add_parser("list", help="list coaches")
    remove = coach.add_parser("remove", help="remove a coach (their claimed cases go back to the queue)")
    remove.add_argument("--telegram-id", type=int, required=True)
    privacy = sub.add_parser("privacy", help="data protection").add_subparsers(dest="privacy_command", required=True)
    purge = privacy.add_parser("purge", help="erase newcomers inactive longer than RETENTION_MONTHS (cron-safe)")
    purge.add_argument("--months", type=int, help="override RETENTION_MONTHS")
    report = sub.add_parser("report", help="reports for staff").add_subparsers(dest="report_command", required=True)
    unanswered = report.add_parser("unanswered", help="questions no FAQ answered, grouped by language and similarity")
    unanswered.add_argument("--days", type=int, default=30)
    summary = report.add_parser("summary", help="the reports page's figures: cases, reply times, outcomes")
    summary.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 30 days before --to)")
    summary.add_argument("--to", dest="end", help="last day, YYYY-MM-DD, included (default: today, UTC)")
    summary.add_argument("--language", choices=LANGUAGES, help="only this language")
    summary.add_argument("--json", action="store_true", help="print JSON instead of tables")
    nlu = sub.add_parser("nlu", help="intent recognition").add_subparsers(dest="nlu_command", required=True)
    nlu.add_parser("parse", help="stdin: one message per line; stdout: one JSON object per line")
    export_nlu = nlu.add_parser(
        "export", help="write nlu/data plus the examples published in the console into DIR, for `rasa train`"
    )
    export_nlu.add_argument("dir", metavar="DIR")
    evaluate = nlu.add_parser("evaluate", help="cross-validated report per language")
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--json", dest="json_path", help="also write the report as JSON to this file")
    evaluate.add_argument(
        "--realistic",
        metavar="FILE",
        nargs="+",
        help="instead: train on everything once, then score these held-out messages (one report per file)",
    )
    evaluate.add_argument(
        "--followups", metavar="FILE", help="instead: train on everything, then score these held-out follow-ups"
    )
    return parser


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    install_redaction()  # every record, the libraries' too, without texts, names, phones or payloads


@asynccontextmanager
async def _engine(settings: Settings, *, current: bool = True) -> AsyncIterator[AsyncEngine]:
    """The database for one command, disposed after it; `current`: refused while migrations are pending."""
    from bot.db.engine import create_engine
    from bot.db.migrate import ensure_current

    engine = create_engine(settings.database_url)
    try:
        if current:
            await ensure_current(engine)
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    from bot.db.engine import create_sessionmaker

    async with _engine(settings) as engine, create_sessionmaker(engine)() as session:
        yield session


def _write_json(path: str, document: object) -> None:
    import json

    with open(path, "w", encoding="utf-8") as fp:
        json.dump(document, fp, ensure_ascii=False, indent=2)


async def _db_upgrade(settings: Settings) -> int:
    from bot.db.migrate import current_revision, head_revision, upgrade

    async with _engine(settings, current=False) as engine:
        before = await current_revision(engine)
        await upgrade(engine)
    head = head_revision()
    if before is None:
        print(f"database created (schema at migration {head})")
    elif before != head:
        print(f"database upgraded from migration {before} to {head}")
    else:
        print("database is up to date")
    return 0


def _flows_check(settings: Settings) -> int:
    from bot.flows.loader import check_flows

    result = check_flows(settings.flows_dir)
    for problem in result.problems:
        print(problem)
    flows = result.flows.flows
    nodes = sum(len(f.nodes) for f in flows.values())
    print(f"{len(flows)} flows, {nodes} nodes: {len(result.errors)} errors, {len(result.warnings)} warnings")
    return 1 if result.errors else 0


def _flows_status(settings: Settings, by_flow: bool) -> int:
    from bot.flows.status import flow_status, format_status

    report = flow_status(settings.flows_dir)
    print(format_status(report, by_flow=by_flow))
    return 1 if report.errors else 0


def _flows_stamp(settings: Settings, languages: list[str], flows: list[str], only_missing: bool) -> int:
    from bot.flows.stamp import StampError, stamp

    try:
        lines = stamp(settings.flows_dir, languages=languages, flows=flows or None, only_missing=only_missing)
    except StampError as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    if not lines:
        print("nothing to stamp: these translations already match the current Dutch text")
    return 1 if any(": not stamped: " in line for line in lines) else 0


async def _nlu_parse(settings: Settings) -> int:
    import json

    from bot.safeguarding.model import ensure_trained
    from bot.safeguarding.recognise import recognise
    from bot.services import train_embedded

    classifier = await train_embedded(settings)
    # patterns OR model, as the bot runs it (and from the same model cache)
    ensure_trained(settings.nlu_dir, settings.nlu_cache_dir if settings.nlu_cache else None)
    for line in sys.stdin:
        text = line.rstrip("\n")
        if text.strip():
            line_json = classifier.predict(text).as_json() | {"safeguarding": recognise(text)}
            print(json.dumps(line_json, ensure_ascii=False), flush=True)
    return 0


def _nlu_evaluate(
    settings: Settings,
    folds: int,
    json_path: str | None,
    realistic: list[str] | None = None,
    followups: str | None = None,
) -> int:
    from pathlib import Path

    from bot.nlu.data import load_training
    from bot.nlu.evaluate import cross_validate, format_report

    if followups is not None or realistic is not None:
        from bot.nlu.embedded import EmbeddedClassifier

        model = EmbeddedClassifier.train(load_training(settings.nlu_dir, followups=True))  # the bot's model
    if followups is not None:
        from bot.flows.loader import load_flows
        from bot.nlu.followups import evaluate_followups, format_followups, load_followups

        flows = load_flows(settings.flows_dir)
        messages = load_followups(Path(followups))
        scored = evaluate_followups(model.predict, model.followup, flows, messages, settings.nlu_threshold)
        print(format_followups(scored))
        if json_path:
            _write_json(json_path, scored.as_json())
        return 0
    if realistic is not None:
        from bot.nlu.realistic import evaluate_realistic, format_realistic, load_realistic

        reports = {
            name: evaluate_realistic(model.predict, load_realistic(Path(name)), settings.nlu_threshold)
            for name in realistic
        }
        for name, held_out in reports.items():
            print(f"== {name}\n{format_realistic(held_out)}" if len(reports) > 1 else format_realistic(held_out))
        if json_path:
            documents = {name: held_out.as_json() for name, held_out in reports.items()}
            _write_json(json_path, documents if len(reports) > 1 else documents[realistic[0]])
        return 0
    report = cross_validate(load_training(settings.nlu_dir), folds, threshold=settings.nlu_threshold)
    print(format_report(report))
    from bot.safeguarding import evaluate as safeguarding  # a separate recogniser with its own data

    safeguarding_report = safeguarding.evaluate(settings.nlu_dir)
    print(safeguarding.format_report(safeguarding_report))
    if json_path:
        _write_json(json_path, report.as_json() | {"safeguarding": safeguarding_report.as_json()})
    return 0


async def _coach(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.db.models import Coach
    from bot.handoff.coaches import CoachError, add_coach, list_coaches, parse_translator, remove_coach

    async with _session(settings) as session, session.begin():
        if args.coach_command == "add":
            before = await session.scalar(select(Coach).where(Coach.telegram_id == args.telegram_id))
            was_staff, translated = (before.is_staff, before.translator_languages) if before else (False, "")
            try:
                coach = await add_coach(session, args.telegram_id, args.name, args.languages, staff=args.staff)
                coach.translator_languages = parse_translator(args.translator)
            except CoachError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            translates = f", translates {coach.translator_languages}" if coach.translator_languages else ""
            print(
                f"coach {coach.name} ({args.telegram_id}) speaks {coach.languages}{' (staff)' if coach.is_staff else ''}"
                + translates
            )
            # `add` sets the whole record: say which rights an update took away, and how to keep them.
            if was_staff and not coach.is_staff:
                print("note: no longer staff (to keep it, add again with --staff)")
            dropped = sorted(set(translated.split(",")) - set(coach.translator_languages.split(",")) - {""})
            if dropped:
                print(f"note: no longer translates {','.join(dropped)} (to keep it, add again with --translator)")
        elif args.coach_command == "list":
            coaches = await list_coaches(session)
            for c in coaches:
                role = "staff" if c.is_staff else "coach"
                translates = f"\ttranslates {c.translator_languages}" if c.translator_languages else ""
                print(f"{c.telegram_id}\t{c.name}\t{c.languages}\t{role}{translates}")
            print(f"{len(coaches)} coaches")
        elif not await remove_coach(session, args.telegram_id):
            print(f"no coach with Telegram id {args.telegram_id}", file=sys.stderr)
            return 1
        else:
            print(f"coach {args.telegram_id} removed")
    return 0


async def _privacy_purge(settings: Settings, months: int | None) -> int:
    from datetime import timedelta

    from bot.db.engine import create_sessionmaker
    from bot.db.models import User, utcnow
    from bot.flows.loader import load_flows
    from bot.handoff.service import Turn, erase_newcomer
    from bot.i18n import Translator
    from bot.outbox import Outbox
    from bot.privacy import Erased, purge_inactive, scrub, scrubs_done
    from bot.render import Renderer

    months = months or settings.retention_months
    flows = load_flows(settings.flows_dir)
    renderer = Renderer(Translator.load(settings.locales_dir), flows)
    async with _engine(settings) as engine:
        async with create_sessionmaker(engine)() as session, session.begin():
            # As /delete does: the cards and relays in coaches' chats are edited to a note (deleted when
            # younger than 48 hours) by the running bot, which sends what this writes to the outbox.
            turn = Turn(session, Outbox(session, renderer, None), settings, flows, utcnow())

            async def erase_user(user: User) -> Erased:
                return await erase_newcomer(turn, user)

            report = await purge_inactive(session, inactive_for=timedelta(days=30 * months), erase_user=erase_user)
            await turn.outbox.write()
        await scrubs_done()
        await scrub(engine, vacuum_postgres=True)  # the erased bytes: WAL truncated / tables vacuumed
    print(
        f"purged {report.users} newcomers inactive for more than {months} months: "
        f"{report.messages} messages erased, {report.cases_anonymised} cases kept as anonymous counts"
    )
    return 0


async def _report_unanswered(settings: Settings, days: int) -> int:
    from bot.content.live import published_flows
    from bot.tools.unanswered import corrections, format_groups, unanswered_groups

    async with _session(settings) as session:
        is_topic = (await published_flows(session, settings.flows_dir)).is_topic
        corrected = await corrections(session, days=days, is_topic=is_topic)
        print(format_groups(await unanswered_groups(session, days=days, is_topic=is_topic), days, corrected))
    return 0


async def _report_summary(settings: Settings, args: argparse.Namespace) -> int:
    import json
    from datetime import UTC, datetime

    from bot.content.live import published_flows
    from bot.handoff.hours import OfficeHours
    from bot.reports.figures import build
    from bot.reports.summary import format_report, parse_period

    try:
        period = parse_period(args.start, args.end, args.language, datetime.now(UTC).date())
    except ValueError as exc:
        print(f"invalid period: {exc} (use --from and --to as YYYY-MM-DD)", file=sys.stderr)
        return 2
    async with _session(settings) as session:
        is_topic = (await published_flows(session, settings.flows_dir)).is_topic
        hours = OfficeHours.of(settings)
        report = await build(session, period, hours, is_topic=is_topic)
    print(json.dumps(report.as_json(), indent=2, ensure_ascii=False) if args.json else format_report(report))
    return 0


async def _chat(settings: Settings, lang: str | None, new: bool) -> int:
    from bot.chat import chat
    from bot.handoff.coaches import availability
    from bot.services import open_services

    if settings.database_url.startswith("sqlite"):  # the local preview database needs no separate step
        from bot.db.migrate import upgrade

        async with _engine(settings, current=False) as engine:
            await upgrade(engine)
    async with open_services(settings) as services:
        async with services.sessions() as session:  # the coach offer then says when none is registered
            await availability(session, settings)
        await chat(services, lang, new=new)
    return 0


async def _warn_without_coaches(services: Services) -> None:
    from bot.handoff.coaches import availability

    async with services.sessions() as session:
        for problem in (await availability(session, services.settings)).problems():
            log.warning("coaches: %s", problem)


async def _run(settings: Settings) -> int:
    """One replica: the web server (health, webhook), the inbox workers and, without WEBHOOK_URL, polling.
    More throughput: more replicas, on PostgreSQL (they share the inbox and the outbox)."""
    from bot.services import open_services
    from bot.tg.app import build_application, drain_outbox, start_application, stop_application
    from bot.tg.inbox import Inbox
    from bot.web import start_web

    if not settings.telegram_token:
        print("TELEGRAM_TOKEN is not set: get a token from @BotFather and put it in .env", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_services(settings) as services:
        await _warn_without_coaches(services)
        application = build_application(services)
        webhook = bool(settings.webhook_url)
        inbox = Inbox(application, services) if webhook else None
        runner = await start_web(
            services,
            inbox.add_routes if inbox else None,
            deliver=lambda: drain_outbox(application),  # the console's replies go out at once
        )
        try:
            await start_application(application, polling=not webhook)
            if inbox is not None:
                await inbox.start()
            mode = "webhook" if webhook else "long polling"
            log.info("bot is running (%s); web server on %s:%d", mode, settings.web_host, settings.web_port)
            await stop.wait()
        finally:
            if inbox is not None:
                await inbox.stop()  # refuse new updates (Telegram retries them), finish those in flight
            await runner.cleanup()
            await stop_application(application)
    return 0


def _cannot_start() -> tuple[type[Exception], ...]:
    """Errors that stop start-up with an explanation instead of a traceback (imported when one is raised:
    the except clause is evaluated only then)."""
    from bot.db.migrate import MigrationsPendingError
    from bot.flows.loader import FlowsInvalidError
    from bot.i18n import CatalogMissingError

    return (MigrationsPendingError, FlowsInvalidError, CatalogMissingError)


def run_on_fast_loop(main: Coroutine[Any, Any, T]) -> T:
    """The bot itself (and the load benchmark) runs on uvloop where it is installed (Linux, macOS):
    a faster event loop for the web server, the Bot API calls and asyncpg."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # python-telegram-bot 22: time periods (RetryAfter.retry_after) as timedelta, without deprecation warnings.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    _configure_logging()
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"invalid settings:\n{exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "run":
            return run_on_fast_loop(_run(settings))
        if args.command == "chat":
            return asyncio.run(_chat(settings, args.lang, args.new))
        if args.command == "db":
            return asyncio.run(_db_upgrade(settings))
        if args.command == "privacy":
            return asyncio.run(_privacy_purge(settings, args.months))
        if args.command == "report" and args.report_command == "summary":
            return asyncio.run(_report_summary(settings, args))
        if args.command == "report":
            return asyncio.run(_report_unanswered(settings, args.days))
        if args.command == "coach":
            return asyncio.run(_coach(settings, args))
        if (args.command == "flows" and args.flows_command in ("export", "import")) or getattr(args, "db", False):
            from bot.content.cli import flows_db

            return asyncio.run(flows_db(settings, args))
        if args.command == "flows" and args.flows_command == "status":
            return _flows_status(settings, args.by_flow)
        if args.command == "flows" and args.flows_command == "stamp":
            return _flows_stamp(settings, args.lang, args.flow, args.only_missing)
        if args.command == "flows":
            return _flows_check(settings)
        if args.command == "nlu" and args.nlu_command == "export":
            from bot.content.cli import nlu_export

            return asyncio.run(nlu_export(settings, args.dir))
        if args.command == "nlu" and args.nlu_command == "parse":
            return asyncio.run(_nlu_parse(settings))
        if args.command == "nlu":
            return _nlu_evaluate(settings, args.folds, args.json_path, args.realistic, args.followups)
    except _cannot_start() as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    return 2
