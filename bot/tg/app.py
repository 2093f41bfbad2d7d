"""Builds the python-telegram-bot Application around the shared services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackContext, ContextTypes, ExtBot, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.db.engine import one_replica_at_a_time
from bot.languages import LANGUAGES, negotiate
from bot.messages import t_
from bot.pipeline import forget_processed_updates, process_reliably, run_timers, undelivered
from bot.services import Services
from bot.tg.convert import to_incoming
from bot.tg.request import AiohttpRequest
from bot.tg.sender import Sender

log = logging.getLogger(__name__)

OUTBOX_INTERVAL = 30.0

COMMAND_DESCRIPTIONS = {
    "start": t_("Start and choose a language"),
    "menu": t_("All topics"),
    "language": t_("Change the language"),
    "help": t_("What I can do"),
    "cancel": t_("Stop talking to a coach"),
}


@dataclass
class BotData:
    """Typed application-wide data: the services, set once before the bot starts."""

    services: Services | None = None
    sender: Sender | None = None
    background: list[asyncio.Task[None]] = field(default_factory=list)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not set up")
        return services

    @property
    def sender(self) -> Sender:
        sender = self.bot_data.sender
        if sender is None:
            raise RuntimeError("sender is not set up")
        return sender


WerkApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, None]


async def on_update(update: Update, context: BotContext) -> None:
    incoming = to_incoming(update, context.services.settings.coach_chat_id)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    if incoming is None:
        return
    # "typing…" while we work, without waiting for Telegram's answer (not while shutting down).
    if incoming.kind != "button" and not incoming.in_group and context.application.running:
        context.application.create_task(_typing(context.bot, incoming.chat_id))
    result = await process_reliably(context.services, incoming)
    await context.sender.deliver(result.outgoing)


async def _typing(bot: ExtBot[None], chat_id: int) -> None:
    with contextlib.suppress(TelegramError):
        await bot.send_chat_action(chat_id, ChatAction.TYPING)


async def on_error(update: object, context: BotContext) -> None:
    """Log without personal data, and tell the user something kind."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type != "private":
        return
    services = context.bot_data.services
    if services is None:
        return
    user = update.effective_user
    lang = negotiate(user.language_code if user else None) or services.settings.default_language
    text = services.translator.gettext(lang, SORRY)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(update.effective_chat.id, text)


SORRY = t_("Sorry, something went wrong on my side. Please try again in a minute.")


async def drain_outbox(application: WerkApplication) -> None:
    """Send replies that were stored but not delivered, e.g. because the process stopped."""
    services = application.bot_data.services
    assert services is not None
    sender = application.bot_data.sender
    assert sender is not None
    services.flow_store.reload(only_if_changed=True)  # staff edited flows/: serve them if they are valid
    async with one_replica_at_a_time(services.engine, "outbox drain") as mine:
        # One replica at a time: two draining at once would both send the same undelivered message,
        # and one replica's drain would send the reminders another one is sending.
        if not mine:
            return
        pending = await undelivered(services)
        if pending:
            log.info("sending %d undelivered messages from the outbox", len(pending))
            await sender.deliver(pending)
        await forget_processed_updates(services)
        reminders = await run_timers(services)
        if reminders:
            await sender.deliver(reminders)


async def _outbox_loop(application: WerkApplication) -> None:
    while True:
        try:
            await drain_outbox(application)
        except Exception:
            log.exception("outbox drain failed")
        await asyncio.sleep(OUTBOX_INTERVAL)


async def register_commands(application: WerkApplication) -> None:
    services = application.bot_data.services
    assert services is not None
    for lang in (*LANGUAGES, None):
        language = lang or services.settings.default_language
        commands = [
            BotCommand(name, services.translator.gettext(language, msg)) for name, msg in COMMAND_DESCRIPTIONS.items()
        ]
        await application.bot.set_my_commands(commands, language_code=lang)


ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


async def start_application(application: WerkApplication, *, polling: bool = True, register: bool = True) -> None:
    """Initialise, register the command menus, start processing and the outbox loop, then poll —
    or, in webhook mode, register the webhook with its secret token. `register=False`: a further
    process of a replica, whose first process registers the menus and the webhook for all."""
    await application.initialize()
    if register:
        await register_commands(application)
    await application.start()
    application.bot_data.background.append(asyncio.create_task(_outbox_loop(application)))
    if polling:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, allowed_updates=ALLOWED_UPDATES)
        return
    settings = application.bot_data.services.settings if application.bot_data.services else None
    assert settings is not None
    if not register:
        return
    await application.bot.set_webhook(
        settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
    )


async def stop_application(application: WerkApplication) -> None:
    """Stop polling, let updates in flight finish, stop background work, release everything."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    for task in application.bot_data.background:
        task.cancel()
    await asyncio.gather(*application.bot_data.background, return_exceptions=True)
    application.bot_data.background.clear()
    await application.shutdown()


def build_application(services: Services) -> WerkApplication:
    settings = services.settings
    # The sender calls sendMessage through do_api_request on purpose (no PTB objects for the busiest
    # call, see bot.tg.sender); PTB suggests its typed method for that, which we know.
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    application: WerkApplication = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .context_types(context_types)
        .request(AiohttpRequest(timeout=settings.telegram_timeout))
        .get_updates_request(AiohttpRequest(timeout=settings.telegram_timeout, pool_size=1))
        .job_queue(None)
        .build()
    )
    application.bot_data.services = services
    application.bot_data.sender = Sender(application.bot, services)
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application
