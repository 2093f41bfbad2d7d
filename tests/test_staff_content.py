"""Staff workflow: /reload serves the newest published revision, /reload and /preview for staff only,
the unanswered-questions report."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import UnansweredQuestion
from bot.handoff.coaches import add_coach
from bot.nlu.embedded import EmbeddedClassifier
from bot.pipeline import Incoming, process
from bot.services import Services, open_services
from bot.tools.unanswered import group_similar, unanswered_groups
from tests.conftest import ROOT, make_settings, migrate_or_copy

STAFF, COACH, NEWCOMER = 601, 602, 7001


@pytest.fixture
async def staff_services(
    database_url: str, locales_dir: Path, tmp_path: Path, embedded: EmbeddedClassifier, migrated_sqlite: Path
) -> AsyncIterator[Services]:
    flows_dir = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows_dir)
    settings = make_settings(database_url, locales_dir, flows_dir=flows_dir)
    await migrate_or_copy(settings.database_url, migrated_sqlite)
    async with open_services(settings, embedded=embedded) as services:
        async with services.sessions() as session, session.begin():
            await add_coach(session, STAFF, "Eva", "nl", staff=True)
            await add_coach(session, COACH, "Omar", "ar", staff=False)
        yield services


async def say(services: Services, who: int, kind: str, text: str = "", command: str | None = None) -> list[str]:
    incoming = Incoming(who, who, kind, command=command, args=text) if command else Incoming(who, who, kind, text=text)
    result = await process(services, incoming)
    return [o.text for o in result.outgoing]


def edit_dutch(flows_dir: Path, old: str, new: str) -> None:
    path = flows_dir / "cv_help.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def _publish_dutch(services: Services, old: str, new: str) -> int:
    """Another replica (or the console) published a new revision with this Dutch edit."""
    from bot.content import store

    async with services.sessions() as session, session.begin():
        work = await store.working(session)
        assert work is not None
        files = dict(work.files)
        assert old in files["cv_help"]
        files["cv_help"] = files["cv_help"].replace(old, new, 1)
        row = await store.publish(session, files, parent=work.base.number, source=store.CONSOLE, author="Eva")
        return row.number


async def test_reload_serves_the_newest_published_revision_without_loading_in_the_update(
    staff_services: Services,
) -> None:
    """/reload never loads inside the update's transaction: it wakes the content watcher, which reads
    the revision in its own session and checks it in a worker thread."""
    number = await _publish_dutch(staff_services, "Een Nederlands cv is kort", "Een Nederlands cv is echt kort")
    (reply,) = await say(staff_services, STAFF, "command", command="reload")
    assert "revision" in reply.lower() or "revisie" in reply.lower()
    for _ in range(100):
        if staff_services.content.number == number:
            break
        await asyncio.sleep(0.05)
    assert staff_services.flows.text("cv_help", "start", "nl").startswith("Een Nederlands cv is echt kort")
    # The Dutch text changed after the translations were made: they are stale now.
    node = staff_services.flows.node("cv_help", "start")
    assert node is not None
    assert node.is_stale("ar")


async def test_editing_flows_files_changes_nothing_until_imported(staff_services: Services) -> None:
    edit_dutch(staff_services.settings.flows_dir, "Een Nederlands cv is kort", "Een cv is kort")
    assert not await staff_services.content.refresh()
    assert staff_services.flows.text("cv_help", "start", "nl").startswith("Een Nederlands cv is kort")


async def test_reload_and_preview_are_staff_only(staff_services: Services) -> None:
    for who in (COACH, NEWCOMER):
        replies = await say(staff_services, who, "command", command="reload")
        assert not any("revision" in r.lower() or "revisie" in r.lower() for r in replies)
    (preview,) = await say(staff_services, STAFF, "command", text="cv_help ar", command="preview")
    assert preview == staff_services.flows.text("cv_help", "start", "ar")
    (usage,) = await say(staff_services, STAFF, "command", text="nope", command="preview")
    assert "cv_help" in usage
    replies = await say(staff_services, NEWCOMER, "command", text="cv_help ar", command="preview")
    assert staff_services.flows.text("cv_help", "start", "ar") not in replies


async def test_unanswered_questions_are_recorded_and_grouped(staff_services: Services) -> None:
    questions = [
        "waar kan ik een woning vinden",
        "hoe vind ik een woning in utrecht",
        "wat voor weer wordt het morgen",
        "wie wint de wedstrijd van ajax",
    ]
    for i, text in enumerate(questions):
        await process(staff_services, Incoming(NEWCOMER + i, NEWCOMER + i, "text", text=text, telegram_language="nl"))
    await process(staff_services, Incoming(NEWCOMER, NEWCOMER, "text", text="ik wil CV maken"))  # answered
    async with staff_services.sessions() as session:
        stored = list(await session.scalars(select(UnansweredQuestion.text)))
        assert "ik wil CV maken" not in stored
        assert set(questions) <= set(stored)
        groups = await unanswered_groups(session, days=30, is_topic=staff_services.flows.is_topic)
    housing = next(g for g in groups if "waar kan ik een woning vinden" in g.texts)
    assert "hoe vind ik een woning in utrecht" in housing.texts
    assert housing.language == "nl"


def test_grouping_by_similarity_across_scripts() -> None:
    texts = ["وين بلاقي بيت", "وين القى بيت للايجار", "ገዛ ከመይ ይረክብ", "ገዛ ኣበይ ይረክብ", "football tonight"]
    groups = sorted(group_similar(texts), key=len, reverse=True)
    assert sorted(map(sorted, groups[:2])) == [[0, 1], [2, 3]]
    assert [4] in groups
