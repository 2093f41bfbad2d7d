"""Machine translation inside a case (issue 26): who reads which language and what each sees, routing while a
case waits for a speaker. The provider is asked before the update's transaction (result: `Turn.translation`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import CoachButton, decode
from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    CachedTranslation,
    Case,
    Coach,
    TranslationDraft,
    User,
)
from bot.languages import LANGUAGES, detect_language, resolve_language
from bot.messages import Reply, t_
from bot.settings import Settings
from bot.translate.cache import cache_key, cached_translate
from bot.translate.types import TranslationUnavailableError, Translator

if TYPE_CHECKING:
    from bot.handoff.service import Turn
    from bot.pipeline import Incoming
    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """What the provider answered for this update, asked before its transaction. `translation` is
    None when it could not be had (`problem` says why); `back` is the translation put back into the
    writer's language (for a coach's reply), None when not asked or not had."""

    text: str
    source: str
    target: str
    translation: str | None
    back: str | None = None
    provider: str | None = None
    problem: str | None = None
    draft_id: int | None = None  # a retry of this draft, or its corrected translation
    editing: bool = False  # `text` is the coach's corrected translation (only `back` was asked)


def is_on(settings: Settings) -> bool:
    return settings.translator != "off"


# who reads what ------------------------------------------------------------------------------------
def newcomer_language(user: User, case: Case) -> str:
    return user.chosen_language or user.last_language or case.language


def coach_writes_in(coach: Coach, coach_user: User | None, text: str | None = None) -> str:
    """The language of the coach's own words: what the text looks like, if the coach speaks it; else
    the coach's chosen language; else the first they speak. Without a text: the language they read in."""
    speaks = coach.speaks()
    detected = detect_language(text) if text else None
    if detected in speaks:
        assert detected is not None
        return detected
    for lang in (coach_user.chosen_language if coach_user else None, *speaks):
        if lang in LANGUAGES and lang in speaks:
            return lang
    return "nl"


def needs_translation(settings: Settings, coach: Coach, newcomer_lang: str) -> bool:
    return is_on(settings) and newcomer_lang not in coach.speaks()


async def coach_user_of(session: AsyncSession, coach: Coach) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == coach.telegram_id))


async def reader_of(session: AsyncSession, settings: Settings, case: Case, source: str) -> str | None:
    """The language to translate a newcomer's message (in `source`) into for whoever reads it: the
    case's coach when they do not speak `source`; the coaches' group (or nobody yet) in the default
    language. None when the reader speaks it."""
    in_group = case.thread_id is not None and settings.coach_chat_id is not None
    if not in_group and case.status == CASE_CLAIMED and case.coach_id is not None:
        coach = await session.get(Coach, case.coach_id)
        if coach is not None:
            if source in coach.speaks():
                return None
            return coach_writes_in(coach, await coach_user_of(session, coach))
    target = settings.default_language
    return None if target == source else target


# before the transaction ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    user_id: int  # the newcomer whose conversation it is (the cache rows are theirs)
    text: str
    source: str
    target: str
    back: bool = False
    draft_id: int | None = None
    editing: bool = False
    each_line: tuple[str, ...] = ()  # translate these one by one (the claim's last messages), into the cache


async def prepare(services: Services, incoming: Incoming) -> Prepared | None:
    """The pipeline's hook before the update's transaction: translate what this update will need. Never raises:
    without a translation the update still goes on, showing "translation unavailable"."""
    translator = services.machine_translator
    if translator is None:
        return None
    if incoming.kind == "text":
        if not (incoming.text or "").strip():
            return None
    elif incoming.kind != "button" and not (incoming.kind == "command" and incoming.command == "claim"):
        return None
    try:
        async with services.sessions() as session:
            plan = await _plan(session, services.settings, incoming)
        if plan is None:
            return None
        return await _run(services.sessions, translator, plan)
    except Exception as exc:  # a database hiccup here must not lose the update; it retries in its transaction
        log.warning("translation not prepared (%s)", type(exc).__name__)
        return None


async def _plan(session: AsyncSession, settings: Settings, incoming: Incoming) -> _Plan | None:
    from bot.handoff import queue, service

    text = incoming.text or ""  # a text message's (buttons: `incoming.data`)
    from bot.translate import drafts  # drafts builds on this module

    coach = await queue.coach_by_telegram_id(session, incoming.telegram_user_id)
    if coach is not None:
        claim = _claimed_case_id(incoming)
        if claim is not None:
            return await _claim_plan(session, coach, claim)
        if incoming.kind == "button":
            draft = await drafts.draft_from_data(session, coach, incoming.data, drafts.RETRY)
            if draft is None:
                return None
            return _Plan(draft.user_id, draft.original, draft.source, draft.target, back=True, draft_id=draft.id)
        case = await service.find_case_for_coach(
            session, settings, coach, incoming.chat_id, incoming.reply_to_message_id, incoming.thread_id
        )
        if case is None or case.user_id is None:
            return None
        newcomer = await session.get(User, case.user_id)
        if newcomer is None:
            return None
        target = newcomer_language(newcomer, case)
        if target in coach.speaks():
            return None
        coach_user = await coach_user_of(session, coach)
        editing = await drafts.editing_draft(session, coach, case)
        if editing is not None:  # the text is the corrected translation: only translate it back
            return _Plan(newcomer.id, text, target, editing.source, draft_id=editing.id, editing=True)
        return _Plan(newcomer.id, text, coach_writes_in(coach, coach_user, text), target, back=True)
    if incoming.kind != "text" or incoming.in_group:
        return None
    user = await session.scalar(select(User).where(User.telegram_id == incoming.telegram_user_id))
    if user is None:
        return None
    case = await queue.open_case_of(session, user.id)
    if case is None:
        return None
    source = resolve_language(
        text=text,
        chosen=user.chosen_language,
        last=user.last_language,
        telegram_code=incoming.telegram_language or user.telegram_language,
        default=settings.default_language,
    )
    reader = await reader_of(session, settings, case, source)
    return None if reader is None else _Plan(user.id, text, source, reader)


def _claimed_case_id(incoming: Incoming) -> int | None:
    """The case a coach's claim button or `/claim N` names."""
    if incoming.kind == "button":
        button = decode(incoming.data)
        return button.case_id if isinstance(button, CoachButton) and button.action == "claim" else None
    number = incoming.args.strip().lstrip("#")
    if incoming.kind == "command" and incoming.command == "claim" and number.isdigit():
        return int(number)
    return None


async def _claim_plan(session: AsyncSession, coach: Coach, case_id: int) -> _Plan | None:
    """Before a claim: the newcomer's last messages, to translate for a coach who does not speak them."""
    from bot.handoff import service

    case = await session.get(Case, case_id)
    newcomer = await session.get(User, case.user_id) if case is not None and case.user_id else None
    if case is None or newcomer is None or case.status == CASE_CLOSED:
        return None
    source = newcomer_language(newcomer, case)
    if source in coach.speaks():
        return None
    texts = await service.last_texts(session, newcomer.id)
    target = coach_writes_in(coach, await coach_user_of(session, coach))
    return _Plan(newcomer.id, "\n".join(texts), source, target, each_line=tuple(texts)) if texts else None


async def _run(sessions: async_sessionmaker[AsyncSession], translator: Translator, plan: _Plan) -> Prepared:
    if plan.each_line:
        done = 0
        for line in plan.each_line:
            try:
                await cached_translate(sessions, translator, line, plan.source, plan.target, user_id=plan.user_id)
                done += 1
            except TranslationUnavailableError:
                break  # the provider is down: the rest would fail too (the guard says so at once)
        return Prepared(plan.text, plan.source, plan.target, None if done < len(plan.each_line) else plan.text)
    try:
        forward = await cached_translate(
            sessions, translator, plan.text, plan.source, plan.target, user_id=plan.user_id
        )
    except TranslationUnavailableError as exc:
        return Prepared(plan.text, plan.source, plan.target, None, problem=exc.reason, draft_id=plan.draft_id)
    if plan.editing:  # `target` is the coach's language here: the forward translation is the back one
        return Prepared(plan.text, plan.target, plan.source, plan.text, forward.text, forward.provider,
                        draft_id=plan.draft_id, editing=True)  # fmt: skip
    back = None
    if plan.back:
        try:
            back = (await cached_translate(sessions, translator, forward.text, plan.target, plan.source,
                                           user_id=plan.user_id)).text  # fmt: skip
        except TranslationUnavailableError:
            back = None
    return Prepared(plan.text, plan.source, plan.target, forward.text, back, forward.provider, draft_id=plan.draft_id)


async def translate_reply(services: Services, newcomer_id: int, text: str, source: str, target: str) -> Prepared:
    """The console's "translate": the coach's text and its back-translation (no transaction held)."""
    translator = services.machine_translator
    if translator is None:
        return Prepared(text, source, target, None, problem="off")
    return await translate_with_back(services.sessions, translator, newcomer_id, text, source, target)


async def translate_with_back(
    sessions: async_sessionmaker[AsyncSession],
    translator: Translator,
    user_id: int,
    text: str,
    source: str,
    target: str,
) -> Prepared:
    """A coach's reply translated, and the translation translated back, through the cache."""
    return await _run(sessions, translator, _Plan(user_id, text, source, target, back=True))


async def back_translate(services: Services, draft: TranslationDraft, translation: str) -> Prepared:
    """The console's "check again" after the coach edited the translation."""
    translator = services.machine_translator
    if translator is None:
        return Prepared(translation, draft.target, draft.source, translation, problem="off")
    plan = _Plan(draft.user_id, translation, draft.target, draft.source, draft_id=draft.id, editing=True)
    return await _run(services.sessions, translator, plan)


# newcomer -> coach ---------------------------------------------------------------------------------
async def relay_reply(turn: Turn, case: Case, header: str, text: str, source: str) -> tuple[Reply, str] | None:
    """The relayed text of a newcomer's message with its machine translation beneath (or "translation
    unavailable"), and the language to render it in; None when no translation is wanted."""
    if not is_on(turn.settings):
        return None
    target = await reader_of(turn.session, turn.settings, case, source)
    if target is None:
        return None
    prepared = turn.translation
    if prepared is not None and prepared.text == text and prepared.target == target and prepared.translation:
        msg = t_(
            "%(header)s: %(original)s\n\nMachine translation: %(translation)s",
            header=header,
            original=text,
            translation=prepared.translation,
        )
    else:
        msg = t_("%(header)s: %(original)s\n\n(Translation unavailable.)", header=header, original=text)
    return Reply(msg), target


async def last_texts_translated(turn: Turn, coach: Coach, coach_user: User, case: Case, newcomer: User) -> Reply | None:
    """After a claim by a coach who does not speak the newcomer's language: the last messages in the
    coach's language, from the cache (`prepare` translated them before the claim's transaction).
    None when not wanted."""
    from bot.handoff import service

    source = newcomer_language(newcomer, case)
    if not needs_translation(turn.settings, coach, source):
        return None
    target = coach_writes_in(coach, coach_user)
    sources = {source, case.language} - {target}
    lines = []
    for text in await service.last_texts(turn.session, newcomer.id):
        keys = [cache_key(text, lang, target) for lang in sources]
        query = select(CachedTranslation.text).where(CachedTranslation.user_id == newcomer.id)
        translation = await turn.session.scalar(query.where(CachedTranslation.key.in_(keys)).limit(1)) if keys else None
        lines.append(f"> {translation}" if translation is not None else f"> ({text})")
    if not lines:
        return None
    return Reply(t_("Machine translation of the last messages:\n%(messages)s", messages="\n".join(lines)))


# routing -------------------------------------------------------------------------------------------
def minutes_until_any_coach(
    settings: Settings, case: Case, coach: Coach, now: datetime, spoken: set[str]
) -> int | None:
    """Minutes (at least 1) this waiting case still waits for a coach who speaks its language before
    `coach`, who does not, may claim it; None when the coach may claim it now. `spoken`: the languages
    registered coaches speak (no speaker at all: nobody to wait for)."""
    wait = any_coach_after(settings)
    if wait is None or case.language in coach.speaks() or case.language not in spoken:
        return None
    left = case.created_at + wait - now
    return max(1, -(-int(left.total_seconds()) // 60)) if left.total_seconds() > 0 else None


def any_coach_after(settings: Settings) -> timedelta | None:
    """With translation on, a case waits this long for a coach who speaks its language; then any
    coach may claim it. None when translation is off (claims go by language as always)."""
    if not is_on(settings):
        return None
    return timedelta(minutes=settings.translated_handoff_after_minutes)
