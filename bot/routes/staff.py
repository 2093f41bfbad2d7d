"""Staff commands: reload and preview the content."""

from __future__ import annotations

from bot.dialog import node_reply
from bot.languages import LANGUAGES
from bot.messages import Reply, t_
from bot.routing import Ctx

STAFF_COMMANDS = frozenset({"reload", "preview"})


def applies(ctx: Ctx) -> bool:
    coach, incoming = ctx.sender.coach, ctx.incoming
    return coach is not None and coach.is_staff and incoming.kind == "command" and incoming.command in STAFF_COMMANDS


async def handle(ctx: Ctx) -> bool:
    services, outbox, incoming = ctx.services, ctx.turn.outbox, ctx.incoming
    user, lang, chat = ctx.sender.user, ctx.sender.lang, incoming.chat_id
    args = incoming.args.split()
    flow = services.flows.flows.get(args[0]) if args else None
    if incoming.command == "reload":
        # Never loads here (inside this update's transaction): the content watcher looks at once, off
        # the event loop, and every other replica within CONTENT_POLL_SECONDS.
        services.content.request_refresh()
        msg = t_(
            "Content revision %(revision)s is being served. A newly published revision reaches every replica "
            "within seconds; this one looks now. Publish changes in the console or with `werkhelpdesk flows import`.",
            revision=str(services.content.number),
        )
        outbox.reply(user, chat, lang, Reply(msg))
    elif flow is None:
        usage = t_(
            "Use /preview followed by a flow and optionally a language, e.g. /preview cv_help ar. Flows: %(flows)s",
            flows=", ".join(sorted(services.flows.flows)),
        )
        outbox.reply(user, chat, lang, Reply(usage))
    else:
        preview_lang = args[1] if len(args) > 1 and args[1] in LANGUAGES else lang
        outbox.reply(user, chat, preview_lang, node_reply(flow, flow.start, frozenset({"menu", "language", "coach"})))
    ctx.store()
    return True
