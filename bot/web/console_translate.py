"""Machine translation on the console's case page (issue 26): messages with their translation beneath, replies
sent once confirmed after their back-translation; the provider is asked outside any transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import cases
from bot.db.models import CASE_CLAIMED, Case, Coach, Message, TranslationDraft, User, utcnow
from bot.handoff import queue as handoff_queue
from bot.handoff.service import Turn
from bot.translate import conversation as machine
from bot.translate import drafts
from bot.translate.cache import cached_translate
from bot.translate.types import TranslationUnavailableError
from bot.web import console

MAX_TRANSLATED_PER_VIEW = 40  # misses translated for one page view; older ones show "unavailable"


def _reader(request: web.Request, coach: Coach) -> str:
    """The coach's language for translations: the console's language if they speak it."""
    ui = console._lang(request)
    speaks = coach.speaks()
    return ui if ui in speaks or not speaks else speaks[0]


async def annotate(request: web.Request, context: dict[str, Any]) -> None:
    """Fill the transcript's translations and the reply form's translation parts into `context`."""
    services = console._console(request).services
    case: Case = context["case"]
    view = context["view"]
    coach = console.signed_in(request).coach
    context.setdefault("mt_to", None)
    context.setdefault("mt_drafts", [])
    if not machine.is_on(services.settings) or case.user_id is None:
        return
    reader = _reader(request, coach)
    ids = [line.id for line in view.lines]
    async with services.sessions() as session:
        rows = (
            await session.execute(select(Message.id, Message.language, Message.buttons).where(Message.id.in_(ids)))
        ).all()
        draft_of = {mid: drafts.draft_id_of(buttons) for mid, _lang, buttons in rows}
        made_from = await drafts.originals(session, [d for d in draft_of.values() if d is not None])
        newcomer = await session.get(User, case.user_id)
        fresh = await session.get(Coach, coach.id)
        mine = case.status == CASE_CLAIMED and case.coach_id == coach.id
        if newcomer is not None and fresh is not None and mine:
            target = machine.newcomer_language(newcomer, case)
            context["mt_to"] = target if target not in fresh.speaks() else None
            context["mt_drafts"] = await drafts.open_drafts(session, case, fresh)
    language_of = {mid: lang for mid, lang, _buttons in rows}
    budget = MAX_TRANSLATED_PER_VIEW
    lines = []
    for line in reversed(view.lines):  # the newest first: they matter most when the budget runs out
        draft = made_from.get(draft_of.get(line.id) or 0)
        if draft is not None:
            lines.append(replace(line, who="coach", original=draft.original))
            continue
        source = language_of.get(line.id)
        if line.who != "newcomer" or not line.text or source is None or source in coach.speaks() or source == reader:
            lines.append(line)
            continue
        translation: str | None = None
        if budget > 0:
            budget -= 1
            with suppress(TranslationUnavailableError):
                translated = await cached_translate(
                    services.sessions, services.machine_translator, line.text, source, reader, user_id=case.user_id
                )
                translation = translated.text
        lines.append(replace(line, translation=translation, translation_missing=translation is None))
    view.lines = list(reversed(lines))


async def wait_minutes(request: web.Request, session: AsyncSession) -> Callable[[Case], int | None]:
    """For the queue: minutes a case still waits for a coach who speaks its language (None: claim now)."""
    settings = console._console(request).services.settings
    coach = console.signed_in(request).coach
    now = utcnow()
    spoken = await handoff_queue.spoken_languages(session) if machine.is_on(settings) else set()
    return lambda case: (
        machine.minutes_until_any_coach(settings, case, coach, now, spoken) if case.status == "waiting" else None
    )


def refused(error: drafts.DraftRefusedError) -> cases.Refused:
    return cases.Refused("not_yours" if error.reason == "not_yours" else f"mt_{error.reason}")


async def translate(request: web.Request) -> web.StreamResponse:
    """ "Translate": the coach's text and its back-translation become a draft shown on the page."""
    case_id = console.path_id(request)
    who = console.signed_in(request)
    services = console._console(request).services
    form = await request.post()
    text = str(form.get("text", "")).strip()[: console.MAX_REPLY]
    upload = form.get("file")
    if isinstance(upload, web.FileField) and upload.filename:  # a file is not translated: not dropped silently
        return await console.case_page(request, cases.Refused("mt_file"), 400)
    if not text:
        return await console.case_page(request, cases.Refused("empty"), 400)
    async with services.sessions() as session:
        case = await console._case(session, case_id)
        coach = await session.get(Coach, who.coach.id)
        newcomer = await session.get(User, case.user_id) if case.user_id else None
        if coach is None or newcomer is None or case.status != CASE_CLAIMED or case.coach_id != coach.id:
            return await console.case_page(request, cases.Refused("not_yours"), 409)
        target = machine.newcomer_language(newcomer, case)
        source = machine.coach_writes_in(coach, None, text)
        source = source if source in coach.speaks() else _reader(request, coach)
    prepared = await machine.translate_reply(services, newcomer.id, text, source, target)

    async def act(turn: Turn, coach: Coach, case: Case, _form: Any) -> None:
        cases.must_be_mine(case, coach)
        await drafts.open_draft(turn.session, coach, case, newcomer, prepared)

    return await console._act(request, act, anchor="translation")


def _decide(decision: Callable[[Turn, Coach, int, Any], Awaitable[object]]) -> console.Handler:
    """A handler for a coach's decision on a draft (`decision(turn, coach, draft_id, form)`)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        draft_id = console.path_id(request, "draft_id")

        async def act(turn: Turn, coach: Coach, _case: Case, form: Any) -> None:
            await decision(turn, coach, draft_id, form)

        return await console._act(request, act)

    return handler


# Confirmed: the (possibly edited) translation goes to the newcomer, once.
send = _decide(
    lambda turn, coach, draft_id, form: drafts.send_translation(
        turn, coach, draft_id, str(form.get("translation", ""))[: console.MAX_REPLY]
    )
)
send_original = _decide(lambda turn, coach, draft_id, _form: drafts.send_original(turn, coach, draft_id))
discard = _decide(lambda turn, coach, draft_id, _form: drafts.discard(turn, coach, draft_id))


async def check(request: web.Request) -> web.StreamResponse:
    """After editing: translate the edited text back (or, with no translation yet, try again)."""
    draft_id = console.path_id(request, "draft_id")
    services = console._console(request).services
    form = await request.post()
    edited = str(form.get("translation", "")).strip()[: console.MAX_REPLY]
    async with services.sessions() as session:
        draft = await session.get(TranslationDraft, draft_id)
    if draft is None or draft.coach_id != console.signed_in(request).coach.id:
        raise web.HTTPNotFound()
    if edited:
        prepared = await machine.back_translate(services, draft, edited)
    else:
        prepared = await machine.translate_reply(services, draft.user_id, draft.original, draft.source, draft.target)

    async def act(turn: Turn, coach: Coach, case: Case, _form: Any) -> None:
        cases.must_be_mine(case, coach)
        row = await turn.session.get(TranslationDraft, draft_id)
        if row is None or row.status != "draft":
            raise drafts.DraftRefusedError("decided")
        if prepared.translation is not None:
            row.translation, row.back, row.problem = prepared.translation, prepared.back, None
        else:
            row.problem = prepared.problem

    return await console._act(request, act, anchor="translation")


def add_routes(app: web.Application) -> None:
    add = app.router.add_route
    add("POST", "/console/cases/{case_id}/translate", translate)
    add("POST", "/console/cases/{case_id}/drafts/{draft_id}/send", send)
    add("POST", "/console/cases/{case_id}/drafts/{draft_id}/original", send_original)
    add("POST", "/console/cases/{case_id}/drafts/{draft_id}/discard", discard)
    add("POST", "/console/cases/{case_id}/drafts/{draft_id}/check", check)
