"""A coach's reply to a newcomer of another language: translated, shown with its back-translation, sent once the
coach confirms (a draft row whose status moves once); the newcomer can ask for the coach's original."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ShowOriginal, TranslatedReply, TranslatedReplyAction, decode, encode
from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    DRAFT_DISCARDED,
    DRAFT_EDITING,
    DRAFT_OPEN,
    DRAFT_SENT,
    DRAFT_SENT_ORIGINAL,
    Case,
    Coach,
    TranslationDraft,
    User,
    utcnow,
)
from bot.languages import NATIVE_NAMES
from bot.messages import Button, Msg, Reply, t_
from bot.translate.conversation import Prepared, coach_user_of, coach_writes_in, needs_translation

if TYPE_CHECKING:
    from bot.handoff.service import Turn

# The coach's decisions on a translated reply (`callbacks.TranslatedReply`).
SEND: TranslatedReplyAction = "s"
EDIT: TranslatedReplyAction = "e"
ORIGINAL: TranslatedReplyAction = "o"
RETRY: TranslatedReplyAction = "r"


# coach -> newcomer ---------------------------------------------------------------------------------
async def draft_from_data(
    session: AsyncSession, coach: Coach, data: str | None, action: str
) -> TranslationDraft | None:
    button = decode(data)
    if not isinstance(button, TranslatedReply) or button.action != action:
        return None
    draft = await session.get(TranslationDraft, button.draft_id)
    return draft if draft is not None and draft.coach_id == coach.id else None


async def editing_draft(session: AsyncSession, coach: Coach, case: Case) -> TranslationDraft | None:
    return await session.scalar(
        select(TranslationDraft)
        .where(
            TranslationDraft.case_id == case.id,
            TranslationDraft.coach_id == coach.id,
            TranslationDraft.status == DRAFT_EDITING,
        )
        .order_by(TranslationDraft.id.desc())
        .limit(1)
    )


async def open_draft(
    session: AsyncSession, coach: Coach, case: Case, newcomer: User, prepared: Prepared
) -> TranslationDraft:
    """A new draft from a translation (or its absence)."""
    draft = TranslationDraft(
        case_id=case.id,
        coach_id=coach.id,
        user_id=newcomer.id,
        source=prepared.source,
        target=prepared.target,
        original=prepared.text,
        translation=prepared.translation,
        back=prepared.back,
        provider=prepared.provider,
        problem=prepared.problem,
        status=DRAFT_OPEN,
    )
    session.add(draft)
    await session.flush()
    return draft


def confirmation(draft: TranslationDraft, case_id: int) -> Reply:
    """What the coach sees in Telegram before anything is sent."""

    def button(label: Msg, action: TranslatedReplyAction) -> Button:
        return Button(label, encode(TranslatedReply(action, draft.id)))

    language = NATIVE_NAMES.get(draft.target, draft.target)
    send_original = button(t_("Send original"), ORIGINAL)
    if draft.translation is None:
        return Reply(
            t_(
                "Case #%(id)s: the translation is unavailable right now, so nothing was sent.\n\n"
                "Your text:\n%(original)s\n\nSend it untranslated, or try the translation again later.",
                id=case_id,
                original=draft.original,
            ),
            ((button(t_("Try again"), RETRY), send_original),),
        )
    shown: dict[str, str | int] = {
        "id": case_id,
        "original": draft.original,
        "language": language,
        "translation": draft.translation,
    }
    msg: Msg
    if draft.back:
        msg = t_(
            "Case #%(id)s: check the machine translation before it is sent.\n\nYour text:\n%(original)s\n\n"
            "Translation (%(language)s):\n%(translation)s\n\nTranslated back:\n%(back)s",
            back=draft.back,
            **shown,
        )
    else:
        msg = t_(
            "Case #%(id)s: check the machine translation before it is sent.\n\nYour text:\n%(original)s\n\n"
            "Translation (%(language)s):\n%(translation)s\n\nThe translation back is unavailable.",
            **shown,
        )
    return Reply(msg, ((button(t_("Send translation"), SEND), button(t_("Edit"), EDIT)), (send_original,)))


async def coach_text(turn: Turn, coach: Coach, case: Case, newcomer: User, newcomer_lang: str, text: str) -> bool:
    """A coach's text in Telegram for a newcomer of another language: translated and shown back for
    confirmation instead of sent (or, while editing, taken as the corrected translation). False when
    no translation is wanted (the text is relayed as it is)."""
    from bot.handoff import service

    if not needs_translation(turn.settings, coach, newcomer_lang):
        return False
    prepared = turn.translation
    editing = await editing_draft(turn.session, coach, case)
    if editing is not None:
        editing.translation, editing.status, editing.problem = text, DRAFT_OPEN, None
        editing.back = prepared.back if prepared and prepared.editing and prepared.draft_id == editing.id else None
        draft = editing
    else:
        coach_user = await coach_user_of(turn.session, coach)
        if prepared is None or prepared.text != text or prepared.target != newcomer_lang or prepared.editing:
            source = coach_writes_in(coach, coach_user, text)
            prepared = Prepared(text, source, newcomer_lang, None, problem="unavailable")
        draft = await open_draft(turn.session, coach, case, newcomer, prepared)
    await service.tell_coach(turn, coach, confirmation(draft, case.id), case.id)
    return True


class DraftRefusedError(Exception):
    """The draft cannot be acted on (gone, not the coach's, decided already): `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _decide(
    session: AsyncSession, draft_id: int, coach: Coach, to: str, *, from_: tuple[str, ...], refuse: bool = True
) -> None:
    """Move the draft to `to` if it is still in one of `from_`: one press of Send wins, a second finds
    nothing to move (and sends nothing; DraftRefusedError "decided" when `refuse`)."""
    result = await session.execute(
        update(TranslationDraft)
        .where(
            TranslationDraft.id == draft_id,
            TranslationDraft.coach_id == coach.id,
            TranslationDraft.status.in_(from_),
        )
        .values(status=to, decided_at=utcnow())
        .returning(TranslationDraft.id)
    )
    if result.scalar() is None and refuse:
        raise DraftRefusedError("decided")


async def _mine(turn: Turn, coach: Coach, draft_id: int) -> tuple[TranslationDraft, Case, User]:
    draft = await turn.session.get(TranslationDraft, draft_id)
    if draft is None or draft.coach_id != coach.id:
        raise DraftRefusedError("gone")
    case = await turn.session.get(Case, draft.case_id) if draft.case_id else None
    if case is None or case.status != CASE_CLAIMED or case.coach_id != coach.id:
        raise DraftRefusedError("not_yours")
    newcomer = await turn.session.get(User, draft.user_id)
    if newcomer is None:
        raise DraftRefusedError("gone")
    return draft, case, newcomer


async def send_translation(turn: Turn, coach: Coach, draft_id: int, edited: str | None = None) -> TranslationDraft:
    """Send the draft's translation (`edited`: the coach's corrected one) with the machine-translation
    notice and a button to show the coach's original. Idempotent."""
    from bot.handoff import queue

    draft, case, newcomer = await _mine(turn, coach, draft_id)
    if edited is not None and edited.strip() and draft.status == DRAFT_OPEN:
        draft.translation = edited.strip()
    if draft.translation is None:
        raise DraftRefusedError("unavailable")
    await turn.session.flush()
    await _decide(turn.session, draft.id, coach, DRAFT_SENT, from_=(DRAFT_OPEN,))
    await queue.touch(turn.session, case)
    turn.outbox.reply(
        newcomer,
        newcomer.telegram_id,
        draft.target,
        Reply(
            t_("%(name)s (machine translation):\n%(text)s", name=coach.name, text=draft.translation),
            ((Button(t_("Show the original"), encode(ShowOriginal(draft.id))),),),
        ),
        case_id=case.id,
    )
    return draft


async def send_original(turn: Turn, coach: Coach, draft_id: int) -> TranslationDraft:
    """The coach's own words, untranslated, as any relay goes. Idempotent."""
    from bot.handoff import queue, service

    draft, case, newcomer = await _mine(turn, coach, draft_id)
    await _decide(turn.session, draft.id, coach, DRAFT_SENT_ORIGINAL, from_=(DRAFT_OPEN, DRAFT_EDITING))
    await queue.touch(turn.session, case)
    service.relay_text(turn, coach, case, newcomer, draft.target, draft.original)
    return draft


async def discard(turn: Turn, coach: Coach, draft_id: int) -> None:
    await _mine(turn, coach, draft_id)
    await _decide(turn.session, draft_id, coach, DRAFT_DISCARDED, from_=(DRAFT_OPEN, DRAFT_EDITING), refuse=False)


async def coach_button(
    turn: Turn, coach: Coach, coach_user: User, lang: str, action: TranslatedReplyAction, draft_id: int
) -> None:
    """Send / edit / send original / try again, pressed under a confirmation in Telegram."""
    from bot.handoff import service

    try:
        if action == SEND:
            draft = await send_translation(turn, coach, draft_id)
            await service.tell_coach(turn, coach, t_("Sent to the newcomer of case #%(id)s.", id=draft.case_id or 0))
        elif action == ORIGINAL:
            draft = await send_original(turn, coach, draft_id)
            await service.tell_coach(
                turn, coach, t_("Your original text was sent to the newcomer of case #%(id)s.", id=draft.case_id or 0)
            )
        elif action == EDIT:
            draft, case, _newcomer = await _mine(turn, coach, draft_id)
            await _decide(turn.session, draft.id, coach, DRAFT_EDITING, from_=(DRAFT_OPEN,))
            await service.tell_coach(
                turn,
                coach,
                t_(
                    "Send the corrected translation (in %(language)s) as your next message; it will be shown "
                    "to you again before it is sent. The current translation:\n%(translation)s",
                    language=NATIVE_NAMES.get(draft.target, draft.target),
                    translation=draft.translation or "-",
                ),
                case.id,
            )
        elif action == RETRY:
            draft, case, _newcomer = await _mine(turn, coach, draft_id)
            if draft.status != DRAFT_OPEN:
                raise DraftRefusedError("decided")
            prepared = turn.translation
            if prepared is not None and prepared.draft_id == draft.id and prepared.translation:
                draft.translation, draft.back, draft.provider = prepared.translation, prepared.back, prepared.provider
                draft.problem = None
            await service.tell_coach(turn, coach, confirmation(draft, case.id), case.id)
    except DraftRefusedError as refused:
        if refused.reason == "decided":
            msg = t_("This message was already sent or replaced; nothing more was sent.")
        elif refused.reason == "unavailable":
            msg = t_("There is no translation to send. Send the original or try again.")
        else:
            msg = t_("This case is no longer yours; nothing was sent.")
        turn.outbox.reply(coach_user, coach.telegram_id, lang, Reply(msg))


async def show_original(turn: Turn, user: User, lang: str, button: ShowOriginal, chat_id: int) -> bool:
    """The newcomer's "show the original" button."""
    draft = await turn.session.get(TranslationDraft, button.draft_id)
    if draft is None or draft.user_id != user.id or draft.status != DRAFT_SENT:
        turn.outbox.reply(user, chat_id, lang, Reply(t_("This message is no longer available.")))
        return True
    coach = await turn.session.get(Coach, draft.coach_id) if draft.coach_id else None
    turn.outbox.reply(
        user,
        chat_id,
        lang,
        Reply(
            t_(
                "What %(name)s wrote, before the machine translation:\n%(text)s",
                name=coach.name if coach else "?",
                text=draft.original,
            )
        ),
    )
    return True


# the console ---------------------------------------------------------------------------------------
async def open_drafts(session: AsyncSession, case: Case, coach: Coach) -> list[TranslationDraft]:
    """The coach's drafts on this case still waiting for a decision."""
    if case.status == CASE_CLOSED:
        return []
    return list(
        await session.scalars(
            select(TranslationDraft)
            .where(
                TranslationDraft.case_id == case.id,
                TranslationDraft.coach_id == coach.id,
                TranslationDraft.status.in_((DRAFT_OPEN, DRAFT_EDITING)),
            )
            .order_by(TranslationDraft.id)
        )
    )


async def originals(session: AsyncSession, draft_ids: list[int]) -> dict[int, TranslationDraft]:
    if not draft_ids:
        return {}
    rows = await session.scalars(select(TranslationDraft).where(TranslationDraft.id.in_(draft_ids)))
    return {d.id: d for d in rows}


def draft_id_of(buttons: object) -> int | None:
    """The draft a sent message was made from: its "show the original" button says."""
    if not isinstance(buttons, list):
        return None
    for row in buttons:
        for button in row if isinstance(row, list) else ():
            data = button[1] if isinstance(button, list) and len(button) > 1 else ""
            shown = decode(data) if isinstance(data, str) else None
            if isinstance(shown, ShowOriginal):
                return shown.draft_id
    return None
