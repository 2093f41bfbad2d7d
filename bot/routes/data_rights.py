"""The newcomer's data rights, whatever else is going on: /mydata, /delete and its confirmation."""

from __future__ import annotations

from sqlalchemy import delete

from bot import privacy
from bot.callbacks import DeleteButton, encode
from bot.db.models import Coach, InboxUpdate
from bot.dialog import with_menu_button
from bot.handoff import queue, service
from bot.intake import form
from bot.messages import Button, Reply, t_
from bot.routing import Ctx

COMMANDS = frozenset({"mydata", "delete"})


def applies(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    return (incoming.kind == "command" and incoming.command in COMMANDS) or isinstance(ctx.button, DeleteButton)


async def handle(ctx: Ctx) -> bool:
    turn, incoming = ctx.turn, ctx.incoming
    user, lang, chat = ctx.sender.user, ctx.sender.lang, incoming.chat_id
    if incoming.command == "mydata":
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
        turn.outbox.reply(user, chat, lang, Reply(question, buttons))
    elif ctx.button == DeleteButton("no"):
        turn.outbox.reply(user, chat, lang, with_menu_button(t_("Nothing was deleted.")))
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
