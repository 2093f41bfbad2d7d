"""Builds the python-telegram-bot Application around the shared services."""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import BotCommand
from telegram.ext import Application, ApplicationBuilder, CallbackContext, ContextTypes, ExtBot
from telegram.warnings import PTBUserWarning

from bot.db.engine import one_replica_at_a_time
from bot.db.models import utcnow
from bot.languages import LANGUAGES
from bot.messages import t_
from bot.outbox import forget_pace
from bot.pipeline import forget_processed_updates, run_timers, undelivered
from bot.services import Services
from bot.tg.inbox import Inbox
from bot.tg.polling import ALLOWED_UPDATES, Poller
from bot.tg.request import AiohttpRequest
from bot.tg.sender import Sender

log = logging.getLogger(__name__)

OUTBOX_INTERVAL = 30.0
PACE_KEEP = timedelta(hours=1)  # a chat's pacing row outlives its longest interval by far

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
    inbox: Inbox | None = None
    poller: Poller | None = None
    background: list[asyncio.Task[None]] = field(default_factory=list)
    pending: set[asyncio.Future[None]] = field(default_factory=set)  # answers to buttons, "typing…"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    pass


WerkApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, None]


async def drain_outbox(application: WerkApplication) -> None:
    """Run the timers (reminders, re-announcements) and send what waits in the outbox now (the
    paced sender's loop sends it anyway; this returns once it is sent or waits its turn)."""
    services = application.bot_data.services
    assert services is not None
    sender = application.bot_data.sender
    assert sender is not None
    async with one_replica_at_a_time(services.engine, "outbox drain") as mine:
        if mine:  # the timers and the clean-ups: one replica at a time is enough
            await forget_processed_updates(services)
            await forget_pace(services.engine, utcnow() - PACE_KEEP)
            await sender.deliver(await run_timers(services))
    await sender.deliver(await undelivered(services))


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


async def start_application(application: WerkApplication, *, polling: bool = True, register: bool = True) -> None:
    """Initialise, register the command menus, start the outbox loop and, when polling, the inbox
    workers and the poller — in webhook mode the caller runs the inbox (its route is on the web
    server) and the webhook is registered with its secret token. `register=False`: another replica
    registered the menus and the webhook for all."""
    await application.initialize()
    if register:
        await register_commands(application)
    data = application.bot_data
    services = data.services
    assert services is not None
    assert data.sender is not None
    data.sender.start()
    data.background.append(asyncio.create_task(_outbox_loop(application)))
    if polling:
        await application.bot.delete_webhook()
        data.inbox = Inbox(application, services)
        await data.inbox.start()
        data.poller = Poller(services, data.inbox)
        data.poller.start()
        return
    if register:
        await application.bot.set_webhook(
            services.settings.webhook_url,
            secret_token=services.settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )


async def stop_application(application: WerkApplication) -> None:
    """Stop polling, let updates in flight finish, stop background work, release everything."""
    data = application.bot_data
    if data.poller is not None:
        await data.poller.stop()
        data.poller = None
    if data.inbox is not None:
        await data.inbox.stop()
        data.inbox = None
    if data.sender is not None:  # after the inbox: its workers wait for their replies
        await data.sender.stop()
    for task in data.background:
        task.cancel()
    await asyncio.gather(*data.background, return_exceptions=True)
    await asyncio.gather(*data.pending, return_exceptions=True)
    data.background.clear()
    await application.shutdown()


def build_application(services: Services) -> WerkApplication:
    """PTB's Application as the bot's client (its request class, initialise and shut down); updates
    reach the bot through the inbox, not through PTB's update queue."""
    settings = services.settings
    # The sender calls sendMessage through do_api_request on purpose (no PTB objects for the busiest
    # call, see bot.tg.sender); PTB suggests its typed method for that, which we know.
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    timeout = settings.telegram_timeout
    application: WerkApplication = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .context_types(context_types)
        .request(
            AiohttpRequest(
                connection_pool_size=64,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        )
        .get_updates_request(AiohttpRequest(connection_pool_size=1))  # unused: bot.tg.polling polls
        .updater(None)
        .job_queue(None)
        .build()
    )
    application.bot_data.services = services
    application.bot_data.sender = Sender(application.bot, services)
    return application
