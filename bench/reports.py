"""Reports benchmark: a year of generated history on PostgreSQL, then the reports page's time.

    .venv/bin/python bench/reports.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test_<you>

WARNING: drops and recreates the `public` schema of the given database.
Generates (set-based SQL with generate_series, no ORM loops) N conversations (a newcomer on a day)
with M messages (half from the newcomers), a case for every fifth conversation (1 % urgent), intakes
and answered follow-up questions; then times the figures (bot.reports.figures.build) and the whole
page (an HTTP GET of /console/reports by a signed-in staff member: figures, charts, template) for a
year, a year in one language, and 30 days. Prints the median of --repeat runs of each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.console import auth
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Coach
from bot.handoff.hours import OfficeHours
from bot.reports.figures import Period, build
from bot.reports.summary import topic_predicate
from bot.services import open_services
from bot.settings import Settings
from bot.web import create_web_app

INTENTS = (
    "'diploma_recognition','profession_accreditation','cv_help','job_application','work_culture',"
    "'language_learning','work_and_benefits','education_routes','volunteering_internship','self_employment',"
    "'employment_contract','greet'"
)

GENERATE = [
    # newcomers: one conversation each, on day (u * 7919) % days of the year
    """INSERT INTO users (id, telegram_id, last_language, unreachable, created_at, last_seen_at)
       SELECT u, 1000000 + u, (ARRAY['nl','ar','ti','en'])[1 + u % 4], false, now(), now()
       FROM generate_series(1, :conversations) u""",
    "SELECT setval(pg_get_serial_sequence('users', 'id'), :conversations)",
    """INSERT INTO coaches (telegram_id, name, languages, is_staff, created_at)
       SELECT c, 'Coach ' || c, 'nl,ar', c = 1, now() FROM generate_series(1, 20) c""",
    """INSERT INTO messages (user_id, chat_id, direction, kind, text, language, intent, answer, created_at, attempts)
       SELECT u, 1000000 + u, CASE WHEN (i / :conversations) % 2 = 0 THEN 'in' ELSE 'out' END, 'text', 'x',
              (ARRAY['nl','ar','ti','en'])[1 + u % 4],
              CASE WHEN (i / :conversations) % 2 = 0 THEN (ARRAY["""
    + INTENTS
    + """])[1 + (i / 2) % 12] END,
              CASE WHEN (i / :conversations) % 2 = 0 THEN (ARRAY['faq','faq','faq','asked_back','unanswered','other'])[1 + (i / 2) % 6] END,
              :start + ((u * 7919) % :days) * interval '1 day' + ((i * 37) % 86400) * interval '1 second', 0
       FROM generate_series(0, :messages - 1) i, LATERAL (SELECT 1 + i % :conversations AS u) x""",
    """INSERT INTO cases (user_id, status, language, topic, reason, coach_id, outcome, satisfaction, created_at,
                          claimed_at, first_reply_at, closed_at, last_activity_at, priority, safeguarding)
       SELECT u, 'closed', (ARRAY['nl','ar','ti','en'])[1 + u % 4], (ARRAY["""
    + INTENTS
    + """])[1 + u % 11],
              'asked', 1 + u % 20, (ARRAY['answered','referred','intake_done','no_response'])[1 + u % 4],
              CASE WHEN u % 3 = 0 THEN 1 + u % 7 % 3 END, created, created + interval '1 minute',
              created + ((u * 37) % 1800) * interval '1 minute', created + ((u * 37) % 1800 + 60) * interval '1 minute',
              created, CASE WHEN u % 100 = 0 THEN 'urgent' ELSE 'normal' END,
              CASE WHEN u % 100 = 0 THEN (ARRAY['danger','exploitation','suicide'])[1 + u % 3] END
       FROM (SELECT v * 5 AS u, :start + ((v * 5 * 7919) % :days) * interval '1 day'
                    + interval '8 hours' + (v % 600) * interval '1 minute' AS created
             FROM generate_series(1, :conversations / 5) v) s""",
    """INSERT INTO intakes (user_id, status, answers, editing, selected, consent_at, submitted_at, updated_at)
       SELECT u, CASE WHEN u % 30 = 0 THEN 'asking' ELSE 'submitted' END, '{}', false, '[]', d,
              CASE WHEN u % 30 = 0 THEN NULL ELSE d + interval '20 minutes' END, d + interval '20 minutes'
       FROM (SELECT v * 10 AS u, :start + ((v * 10 * 7919) % :days) * interval '1 day' + interval '10 hours' AS d
             FROM generate_series(1, :conversations / 10) v) s""",
    """INSERT INTO work_followups (user_id, months, language, intake_at, due_at, sent_at, answer, answered_at)
       SELECT u, m, (ARRAY['nl','ar','ti','en'])[1 + u % 4], d, d, d,
              (ARRAY['paid_work','internship','education','volunteering','not_yet'])[1 + (u / 20 + m) % 5], d
       FROM (SELECT v * 20 AS u, :start + ((v * 20 * 7919) % :days) * interval '1 day' AS d
             FROM generate_series(1, :conversations / 20) v) s, (VALUES (3), (6)) AS months(m)""",
    "ANALYZE",
]


async def generate(url: str, conversations: int, messages: int, start: date, days: int) -> float:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        began = time.perf_counter()
        params = {
            "conversations": conversations,
            "messages": messages,
            "days": days,
            "start": datetime.combine(start, datetime.min.time(), UTC),
        }
        async with engine.begin() as conn:
            for statement in GENERATE:
                await conn.execute(text(_typed(statement)), {k: v for k, v in params.items() if f":{k}" in statement})
        return time.perf_counter() - began
    finally:
        await engine.dispose()


def _typed(statement: str) -> str:
    """asyncpg wants to know the parameters' types."""
    for name, kind in (
        ("conversations", "integer"),
        ("messages", "integer"),
        ("days", "integer"),
        ("start", "timestamptz"),
    ):
        statement = statement.replace(f":{name}", f"CAST(:{name} AS {kind})")
    return statement


def _median_ms(samples: list[float]) -> str:
    return (
        f"{statistics.median(samples) * 1000:,.0f} ms (min {min(samples) * 1000:,.0f}, max {max(samples) * 1000:,.0f})"
    )


async def measure(url: str, start: date, days: int, repeat: int) -> None:
    settings = Settings(_env_file=None, database_url=url, telegram_token="1:BENCH", web_port=0)  # type: ignore[call-arg]
    end = start + timedelta(days=days - 1)
    periods = {
        "a year, all languages": Period(start, end),
        "a year, Arabic": Period(start, end, "ar"),
        "30 days, all languages": Period(end - timedelta(days=29), end),
    }
    async with open_services(settings) as services:
        hours = OfficeHours.of(settings)
        is_topic = topic_predicate(services.flows)
        async with services.sessions() as session, session.begin():
            staff = await session.get(Coach, 1)
            assert staff is not None
            token, _ = await auth.open_session(session, staff, datetime.now(UTC))
        runner = web.AppRunner(create_web_app(services), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            year = periods["a year, all languages"]
            began = time.perf_counter()
            async with services.sessions() as session:
                await build(session, year, hours, is_topic=is_topic)
            print(
                f"{'first report of the year':24}  figures {(time.perf_counter() - began) * 1000:,.0f} ms (fills the daily rollup)"
            )
            async with aiohttp.ClientSession(cookies={"console_session": token}) as http:
                for name, period in periods.items():
                    figures, pages, cpu = [], [], []
                    for _ in range(repeat):
                        began = time.perf_counter()
                        async with services.sessions() as session:
                            await build(session, period, hours, is_topic=is_topic)
                        figures.append(time.perf_counter() - began)
                        query = f"from={period.start}&to={period.end}" + (
                            f"&language={period.language}" if period.language else ""
                        )
                        began, used = time.perf_counter(), time.process_time()
                        async with http.get(f"http://{host}:{port}/console/reports?{query}") as response:
                            assert response.status == 200, response.status
                            await response.read()
                        pages.append(time.perf_counter() - began)
                        cpu.append(time.process_time() - used)
                    print(
                        f"{name:24}  figures {_median_ms(figures)}  whole page {_median_ms(pages)}, "
                        f"bot CPU {statistics.median(cpu) * 1000:,.0f} ms"
                    )
        finally:
            await runner.cleanup()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="PostgreSQL URL (its public schema is dropped!)")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-generate", action="store_true", help="measure the data already there")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        parser.error("--url must be a PostgreSQL URL")
    start = date(2025, 1, 1)
    if not args.skip_generate:
        seconds = await generate(args.url, args.conversations, args.messages, start, args.days)
        print(f"generated {args.conversations:,} conversations, {args.messages:,} messages in {seconds:.1f} s")
    await measure(args.url, start, args.days, args.repeat)
    print(f"load average after the run: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
