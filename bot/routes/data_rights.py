"""The newcomer's data rights, whatever else is going on: /mydata, /delete and its confirmation."""

from __future__ import annotations

from sqlalchemy import delete

from bot import privacy
from bot.callbacks import DeleteButton, encode
from bot.db.models import Coach, ConversationState, InboxUpdate
from bot.dialog import with_menu_button
from bot.handoff import queue, service
from bot.intake import form
from bot.messages import Button, Reply, t_
from bot.routing import Ctx

COMMANDS = frozenset({"mydata", "delete"})


DELETE_ASKED = "delete"  # in ConversationState.pending: the /delete question waits for its answer
NOTHING_DELETED = t_("Nothing was deleted.")


async def _delete_asked(ctx: Ctx) -> bool:
    state = await ctx.state()
    return state is not None and DELETE_ASKED in (state.pending or [])


async def _remember_delete_asked(ctx: Ctx, asked: bool) -> None:
    state = await ctx.state()
    if state is None:
        state = ConversationState(user_id=ctx.sender.user.id, pending=[])
        ctx.turn.session.add(state)
    state.pending = [p for p in state.pending or [] if p != DELETE_ASKED] + ([DELETE_ASKED] if asked else [])


def _delete_question() -> Reply:
    buttons = (
        (
            Button(t_("Yes, delete everything"), encode(DeleteButton("yes"))),
            Button(t_("No, keep it"), encode(DeleteButton("no"))),
        ),
    )
    question = t_(
        "Do you want me to delete everything I stored about you: your answers, your messages and your "
        "conversations with coaches? This cannot be undone."
    )
    return Reply(question, buttons)


async def applies(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    if ctx.typed_yes_no() is not None and await _delete_asked(ctx):
        return True  # a typed answer to the /delete question (the dialog would say "Okay!" and delete nothing)
    return (incoming.kind == "command" and incoming.command in COMMANDS) or isinstance(ctx.button, DeleteButton)


async def handle(ctx: Ctx) -> bool:
    turn, incoming = ctx.turn, ctx.incoming
    user, lang, chat = ctx.sender.user, ctx.sender.lang, incoming.chat_id
    if incoming.kind == "text":
        ctx.store()
        if ctx.typed_yes_no():  # erasing cannot be undone: only the button does it
            by_button = t_('To delete everything, tap "Yes, delete everything" below the question.')
            turn.outbox.reply(user, chat, lang, Reply(by_button))
            turn.outbox.reply(user, chat, lang, _delete_question())
        else:
            await _remember_delete_asked(ctx, False)
            turn.outbox.reply(user, chat, lang, with_menu_button(NOTHING_DELETED))
    elif incoming.command == "mydata":
        document = await privacy.export(turn.session, user)
        answers = (document["intake"] or {}).get("answers") or {}
        summary = (
            form.summary(
                answers,
                t_("This is what I have stored about you. The attached file has everything, including all messages."),
            )
            if answers
            # Without answers the summary would list every question as "(skipped)", never asked or not.
            else t_(
                "You have not answered any sign-up questions. The attached file has everything I have stored "
                "about you, including all messages."
            )
        )
        turn.outbox.reply(user, chat, lang, Reply(summary))
        turn.outbox.document(user, chat, privacy.export_json(document), "werkhelpdesk-my-data.json")
    elif incoming.command == "delete":
        await _remember_delete_asked(ctx, True)
        turn.outbox.reply(user, chat, lang, _delete_question())
    elif ctx.button == DeleteButton("no"):
        await _remember_delete_asked(ctx, False)
        turn.outbox.reply(user, chat, lang, with_menu_button(NOTHING_DELETED))
    else:
        await _erase(ctx)
    return True


async def _erase(ctx: Ctx) -> None:
    turn, incoming, user = ctx.turn, ctx.incoming, ctx.sender.user
    case = await queue.open_case_of(turn.session, user.id)
    coach = await turn.session.get(Coach, case.coach_id) if case is not None and case.coach_id else None
    await service.erase_newcomer(turn, user)  # also retracts what coaches received
    # The updates that carried their words, this one included (the rest of the chat's stay to be answered).
    await turn.session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.chat_id == incoming.chat_id, InboxUpdate.update_id <= (incoming.update_id or 0)
        )
    )
    done = t_("All your data has been deleted. If you write to me again, we start fresh.")
    turn.outbox.ephemeral(incoming.chat_id, ctx.sender.lang, Reply(done))
    if coach is not None:
        await service.tell_coach(
            turn, coach, t_("Case #%(id)s was closed: the newcomer deleted their data.", id=case.id if case else 0)
        )
