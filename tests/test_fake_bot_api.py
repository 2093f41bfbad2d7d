"""The fake Bot API server, exercised with the real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fake_bot_api import (
    MEDIA_KINDS,
    FakeBotAPI,
    UploadedFile,
    callback_update,
    channel_post_update,
    command_update,
    edited_text_update,
    forwarded_text_update,
    group_chat,
    media_update,
    private_chat,
    text_update,
    user,
)

Ctx = ContextTypes.DEFAULT_TYPE


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api
        assert api.server_errors == []


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot") as b:
        yield b


@contextlib.asynccontextmanager
async def running_app(fake: FakeBotAPI, *handlers: Any) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    app = Application.builder().token(fake.token).base_url(f"{fake.url}/bot").build()
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def echo(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def answer(update: Update, context: Ctx) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(f"got {update.callback_query.data}")


# --- the Application end to end --------------------------------------------------------------


async def test_echo_and_callback_through_application(fake: FakeBotAPI) -> None:
    amal = user()
    async with running_app(fake, MessageHandler(filters.TEXT & ~filters.COMMAND, echo), CallbackQueryHandler(answer)):
        assert fake.calls("getMe")
        fake.push_update(text_update(amal, "hallo"))
        [sent] = await fake.wait_for("sendMessage", lambda p: p["text"] == "echo: hallo")
        assert sent["chat_id"] == amal["id"]

        fake.push_update(callback_update(amal, "lang:nl"))
        [answered] = await fake.wait_for("answerCallbackQuery")
        assert answered["text"] == "got lang:nl"
        assert isinstance(answered["callback_query_id"], str)

    # the cleanup getUpdates confirmed everything the application fetched
    assert fake.pending_updates == []


async def test_command_gets_bot_command_entity(fake: FakeBotAPI) -> None:
    seen: list[list[str]] = []

    async def start(update: Update, context: Ctx) -> None:
        seen.append(list(context.args or []))
        assert update.effective_message is not None
        await update.effective_message.reply_text("welkom")

    async with running_app(fake, CommandHandler("start", start)):
        fake.push_update(command_update(user(), "start", "job coach"))
        await fake.wait_for("sendMessage")
    assert seen == [["job", "coach"]]


async def test_every_media_kind_parses_in_ptb(fake: FakeBotAPI) -> None:
    received: asyncio.Queue[Message] = asyncio.Queue()

    async def collect(update: Update, context: Ctx) -> None:
        assert update.message is not None
        await received.put(update.message)

    amal = user()
    async with running_app(fake, MessageHandler(filters.ALL, collect)):
        for kind in MEDIA_KINDS:
            caption = "bijlage" if kind in {"photo", "video", "document", "animation", "audio", "voice"} else None
            fake.push_update(media_update(amal, kind, caption=caption))
        messages = [await asyncio.wait_for(received.get(), 10) for _ in MEDIA_KINDS]

    for kind, message in zip(MEDIA_KINDS, messages, strict=True):
        assert getattr(message, kind), kind
        assert message.effective_attachment is not None, kind
    by_kind = dict(zip(MEDIA_KINDS, messages, strict=True))
    assert by_kind["animation"].document is not None  # Bot API sets both for GIFs
    assert by_kind["animation"].animation is not None
    assert by_kind["animation"].document.file_id == by_kind["animation"].animation.file_id
    assert by_kind["photo"].caption == "bijlage"
    assert len(by_kind["photo"].photo) == 3
    assert by_kind["venue"].location is not None
    assert by_kind["sticker"].sticker is not None
    assert by_kind["sticker"].sticker.type == "regular"


async def test_unconfirmed_updates_are_redelivered_to_a_new_application(fake: FakeBotAPI, bot: Bot) -> None:
    fake.push_update(text_update(user(), "are you there?"))
    first = await bot.get_updates(timeout=0)  # fetched, never confirmed (a crashed bot)
    assert [u.message.text for u in first if u.message] == ["are you there?"]

    async with running_app(fake, MessageHandler(filters.TEXT, echo)):
        [sent] = await fake.wait_for("sendMessage")
    assert sent["text"] == "echo: are you there?"

    # the application confirmed it when stopping: no third delivery
    assert await bot.get_updates(timeout=0) == ()


async def test_application_retries_after_429(fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else RetryAfter() itself warns (an error under -W error)

    async def patient_echo(update: Update, context: Ctx) -> None:
        assert update.effective_message is not None
        try:
            await update.effective_message.reply_text("na de pauze")
        except RetryAfter as exc:
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if isinstance(wait, dtm.timedelta) else wait)
            await update.effective_message.reply_text("na de pauze")

    fake.fail_next("sendMessage", status=429, retry_after=1)
    async with running_app(fake, MessageHandler(filters.TEXT, patient_echo)):
        fake.push_update(text_update(user(), "hoi"))
        [delivered] = await fake.wait_for("sendMessage", ok=True)
    assert delivered["text"] == "na de pauze"
    first, second = (r for r in fake.requests if r.method == "sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0


async def test_handler_errors_from_send_reach_the_error_handler(fake: FakeBotAPI) -> None:
    errors: list[object] = []

    async def on_error(update: object, context: Ctx) -> None:
        errors.append(context.error)

    amal = user()
    fake.block_user(amal["id"])
    async with running_app(fake, MessageHandler(filters.TEXT, echo)) as app:
        app.add_error_handler(on_error)
        fake.push_update(text_update(amal, "hoi"))
        await fake.wait_for("sendMessage")
        for _ in range(100):
            if errors:
                break
            await asyncio.sleep(0.02)
    assert len(errors) == 1
    assert isinstance(errors[0], Forbidden)


# --- errors as PTB sees them -----------------------------------------------------------------


async def test_429_raises_retry_after(fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22.2+ warns (PTBDeprecationWarning) when a RetryAfter is even constructed,
    # unless PTB_TIMEDELTA opts in to timedelta periods
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "hoi")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(1001, "hoi")  # only the next call failed
    assert [r.status for r in fake.requests if r.method == "sendMessage"] == [429, 200]
    assert fake.requests[-2].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


async def test_fail_next_times_and_bad_gateway(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("getChat", status=502, description="Bad Gateway", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.get_chat(1001)
    assert (await bot.get_chat(1001)).id == 1001


async def test_blocked_user_is_forbidden(fake: FakeBotAPI, bot: Bot) -> None:
    fake.block_user(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "hoi")
    with pytest.raises(Forbidden):
        await bot.send_photo(1001, "AgACAgQAAxkBAAIBfakephoto")
    await bot.send_message(1002, "someone else")
    fake.unblock_user(1001)
    await bot.send_message(1001, "hoi")


async def test_text_validation(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1001, "x" * 4097)
    await bot.send_message(1001, "x" * 4096)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1001, "   ")
    with pytest.raises(BadRequest, match=r'(?i)can\'t find end tag corresponding to start tag "b"'):
        await bot.send_message(1001, "<b>vet", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await bot.send_message(1001, "a<br>b", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(1001, "*Hallo*.", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match=r"(?i)can't find end of bold entity"):
        await bot.send_message(1001, r"*Hallo\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert fake.requests[-1].response == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
    }


async def test_formatted_text_becomes_entities(fake: FakeBotAPI, bot: Bot) -> None:
    html = await bot.send_message(
        1001, '<b>مرحبا</b> &amp; <a href="https://werk.nl">werk.nl</a>', parse_mode=ParseMode.HTML
    )
    assert html.text == "مرحبا & werk.nl"
    assert [(e.type, e.offset, e.length) for e in html.entities] == [("bold", 0, 5), ("text_link", 8, 7)]
    assert html.entities[1].url == "https://werk.nl"
    md = await bot.send_message(1001, r"*Stap 1\.* __klaar__ 👍 `code`", parse_mode=ParseMode.MARKDOWN_V2)
    assert md.text == "Stap 1. klaar 👍 code"
    # offsets count UTF-16 code units: the emoji takes two
    assert [(e.type, e.offset, e.length) for e in md.entities] == [
        ("bold", 0, 7),
        ("underline", 8, 5),
        ("code", 17, 4),
    ]


async def test_unknown_method_and_wrong_token(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.url}/bot{fake.token}/frobnicate") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with session.post(f"{fake.url}/bot999:WRONG/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken, match="was rejected by the server"):  # Bot.initialize() calls getMe
        async with Bot("999:WRONG", base_url=f"{fake.url}/bot"):
            pass


async def test_json_and_query_string_requests(fake: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as session:
        markup = {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
        payload = {"chat_id": 1001, "text": "123", "reply_markup": json.dumps(markup)}
        async with session.post(f"{fake.url}/bot{fake.token}/sendMessage", json=payload) as resp:
            body = await resp.json()
        assert body["ok"] is True
        assert body["result"]["text"] == "123"
        assert body["result"]["reply_markup"] == markup
        async with session.get(f"{fake.url}/bot{fake.token}/getMe?x=1") as resp:
            assert (await resp.json())["result"]["is_bot"] is True
    [params] = fake.calls("sendMessage")
    assert params == {"chat_id": 1001, "text": "123", "reply_markup": markup}


async def test_delay_next_causes_timeout(fake: FakeBotAPI, bot: Bot) -> None:
    from telegram.error import TimedOut

    fake.delay_next("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "traag", read_timeout=0.2)
    await bot.send_message(1001, "snel", read_timeout=2)


# --- messages -------------------------------------------------------------------------------


async def test_send_message_result_shape(fake: FakeBotAPI, bot: Bot) -> None:
    amal = user(username="amal_nl")
    fake.push_update(text_update(amal, "hoi"))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Nederlands", callback_data="lang:nl")]])
    first = await bot.send_message(amal["id"], "Kies je taal", reply_markup=keyboard)
    second = await bot.send_message(amal["id"], "Nog iets", reply_markup=ReplyKeyboardMarkup([["Ja", "Nee"]]))
    assert second.message_id > first.message_id
    assert first.chat.type == "private"
    assert first.chat.username == "amal_nl"
    assert first.from_user is not None
    assert first.from_user.is_bot
    assert first.from_user.username == "werkhelpdesk_test_bot"
    assert first.reply_markup == keyboard
    assert second.reply_markup is None  # only inline keyboards are echoed
    [params, _] = fake.calls("sendMessage")
    assert params["reply_markup"] == keyboard.to_dict()  # JSON strings in the form are decoded

    group = await bot.send_message(-100123, "Nieuwe vraag", message_thread_id=7)
    assert group.chat.type == "supergroup"
    assert group.message_thread_id == 7


async def test_callback_data_over_64_bytes_is_rejected(fake: FakeBotAPI, bot: Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1001, "Kies", reply_markup=too_long)


async def test_reply_edit_and_delete(fake: FakeBotAPI, bot: Bot) -> None:
    amal = user()
    question = text_update(amal, "Waar vind ik werk?")
    fake.push_update(question)
    reply = await bot.send_message(
        amal["id"], "Kijk op werk.nl", reply_parameters=ReplyParameters(question["message"]["message_id"])
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Waar vind ik werk?"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(amal["id"], "?", reply_parameters=ReplyParameters(999_999_999))

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    edited = await bot.edit_message_text("Kijk op <b>werk.nl</b>", amal["id"], reply.message_id, parse_mode="HTML")
    assert isinstance(edited, Message)
    assert edited.text == "Kijk op werk.nl"
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Kijk op <b>werk.nl</b>", amal["id"], reply.message_id, parse_mode="HTML")
    with_keyboard = await bot.edit_message_reply_markup(amal["id"], reply.message_id, reply_markup=keyboard)
    assert isinstance(with_keyboard, Message)
    assert with_keyboard.reply_markup == keyboard
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("nope", amal["id"], question["message"]["message_id"])

    assert await bot.delete_message(amal["id"], reply.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(amal["id"], reply.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("weg", amal["id"], reply.message_id)


async def test_callback_query_can_be_answered_once(fake: FakeBotAPI, bot: Bot) -> None:
    update = callback_update(user(), "ok")
    fake.push_update(update)
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id) is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    # the message the button belongs to is known: the bot may edit it
    edited = await bot.edit_message_text("Gekozen", 1001, update["callback_query"]["message"]["message_id"])
    assert isinstance(edited, Message)
    assert edited.reply_markup is None  # no reply_markup in the edit removes the keyboard


async def test_media_relay_by_file_id_copy_and_forward(fake: FakeBotAPI, bot: Bot) -> None:
    amal, coaches = user(), group_chat(is_forum=True)
    photo = media_update(amal, "photo", caption="mijn cv")
    fake.push_update(photo)
    file_id = photo["message"]["photo"][-1]["file_id"]

    sent = await bot.send_photo(coaches["id"], file_id, caption="van Amal")
    assert sent.photo[-1].file_id == file_id
    assert sent.caption == "van Amal"
    senders: list[tuple[Callable[..., Awaitable[Message]], str]] = [
        (bot.send_document, "document"),
        (bot.send_voice, "voice"),
        (bot.send_video, "video"),
        (bot.send_audio, "audio"),
        (bot.send_sticker, "sticker"),
        (bot.send_animation, "animation"),
    ]
    for method, kind in senders:
        message = await method(coaches["id"], f"some-{kind}-file-id")
        assert getattr(message, kind).file_id == f"some-{kind}-file-id"
    location = await bot.send_location(coaches["id"], latitude=52.1, longitude=5.1)
    assert location.location is not None
    assert location.location.latitude == pytest.approx(52.1)

    copied = await bot.copy_message(coaches["id"], amal["id"], photo["message"]["message_id"])
    assert copied.message_id > 0
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(coaches["id"], amal["id"], 987_654_321)
    forwarded = await bot.forward_message(coaches["id"], amal["id"], photo["message"]["message_id"])
    assert isinstance(forwarded.forward_origin, MessageOriginUser)
    assert forwarded.forward_origin.sender_user.id == amal["id"]
    assert forwarded.photo[-1].file_id == file_id
    assert forwarded.caption == "mijn cv"


async def test_upload_is_recorded_and_downloadable(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_document(1001, b"%PDF-1.4 fake", filename="cv.pdf", caption="CV")
    [params] = fake.calls("sendDocument")
    upload = params["document"]
    assert isinstance(upload, UploadedFile)
    assert upload.filename == "cv.pdf"
    assert upload.content == b"%PDF-1.4 fake"
    assert params["caption"] == "CV"
    assert message.document is not None
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.4 fake")


# --- topics, chats, webhook, commands -------------------------------------------------------


async def test_forum_topics(fake: FakeBotAPI, bot: Bot) -> None:
    coaches = group_chat(is_forum=True)
    fake.push_update(text_update(user(), "hoi", coaches))
    topic = await bot.create_forum_topic(coaches["id"], "Amal (ar)")
    assert topic.name == "Amal (ar)"
    assert topic.icon_color == 0x6FB9F0
    message = await bot.send_message(coaches["id"], "Nieuwe vraag", message_thread_id=topic.message_thread_id)
    assert message.is_topic_message
    assert await bot.close_forum_topic(coaches["id"], topic.message_thread_id) is True
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(coaches["id"], topic.message_thread_id)
    assert await bot.reopen_forum_topic(coaches["id"], topic.message_thread_id) is True
    assert await bot.edit_forum_topic(coaches["id"], topic.message_thread_id, name="Amal (nl)") is True
    assert fake.topic(coaches["id"], topic.message_thread_id) == {
        "name": "Amal (nl)",
        "icon_color": 0x6FB9F0,
        "closed": False,
        "deleted": False,
    }
    assert await bot.delete_forum_topic(coaches["id"], topic.message_thread_id) is True
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(coaches["id"], "?", message_thread_id=topic.message_thread_id)


async def test_get_chat_and_member(fake: FakeBotAPI, bot: Bot) -> None:
    amal = user(username="amal_nl")
    coaches = group_chat(is_forum=True)
    fake.push_update(text_update(amal, "hoi"))
    fake.push_update(text_update(amal, "hoi", coaches))
    private = await bot.get_chat(amal["id"])
    assert isinstance(private, ChatFullInfo)
    assert private.username == "amal_nl"
    group = await bot.get_chat(coaches["id"])
    assert group.is_forum
    assert group.title == "Coaches"
    me = await bot.get_chat_member(coaches["id"], fake.bot_id)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_manage_topics
    member = await bot.get_chat_member(coaches["id"], amal["id"])
    assert isinstance(member, ChatMemberMember)
    assert member.user.first_name == "Amal"
    fake.set_member_status(coaches["id"], amal["id"], "left")
    assert (await bot.get_chat_member(coaches["id"], amal["id"])).status == "left"


async def test_webhook_and_get_updates_conflict(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://example.org/hook")
    assert await bot.set_webhook("https://example.org/hook", secret_token="s3cret_token") is True
    assert fake.webhook is not None
    assert fake.webhook["url"] == "https://example.org/hook"
    assert fake.webhook["secret_token"] == "s3cret_token"
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook() is True
    assert fake.webhook is None
    assert (await bot.get_webhook_info()).url == ""


async def test_deliver_webhook_update_to_a_local_listener(fake: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await bot.set_webhook("https://bot.example.org/hook", secret_token="geheim")
        port = runner.addresses[0][1]
        status = await fake.deliver_webhook_update(text_update(user(), "via webhook"), f"http://127.0.0.1:{port}/hook")
    finally:
        await runner.cleanup()
    assert status == 200
    [(secret, payload)] = received
    assert secret == "geheim"
    update = Update.de_json(payload, bot)
    assert update.message is not None
    assert update.message.text == "via webhook"


async def test_concurrent_get_updates_conflict(fake: FakeBotAPI, bot: Bot) -> None:
    # a second bot instance polling the same token (a Bot polls over one connection)
    async with Bot(fake.token, base_url=f"{fake.url}/bot") as other:
        first = asyncio.create_task(bot.get_updates(timeout=2))
        await fake.wait_for("getUpdates")
        second = asyncio.create_task(other.get_updates(timeout=0))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()


async def test_long_poll_returns_as_soon_as_an_update_arrives(fake: FakeBotAPI, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=2))
    await fake.wait_for("getUpdates")
    fake.push_update(edited_text_update(user(), "gecorrigeerd", message_id=5))
    [update] = await poll
    assert loop.time() - started < 1.5
    assert update.edited_message is not None
    assert update.edited_message.text == "gecorrigeerd"
    assert update.update_id == 1
    empty_started = loop.time()
    assert await bot.get_updates(offset=2, timeout=1) == ()
    assert loop.time() - empty_started >= 0.9
    assert fake.pending_updates == []  # offset=2 confirmed update 1


async def test_chat_member_updates_need_allowed_updates(fake: FakeBotAPI, bot: Bot) -> None:
    amal = user()
    member_update = {
        "chat_member": {
            "chat": group_chat(),
            "from": amal,
            "date": 0,
            "old_chat_member": {"status": "left", "user": amal},
            "new_chat_member": {"status": "member", "user": amal},
        }
    }
    fake.push_update(member_update)
    assert await bot.get_updates(timeout=0) == ()
    [update] = await bot.get_updates(timeout=0, allowed_updates=["chat_member"])
    assert update.chat_member is not None


async def test_commands(fake: FakeBotAPI, bot: Bot) -> None:
    commands = [BotCommand("start", "Begin"), BotCommand("taal", "Kies je taal")]
    assert await bot.set_my_commands(commands, language_code="nl") is True
    assert await bot.get_my_commands(language_code="nl") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert fake.my_commands(language_code="nl") == [c.to_dict() for c in commands]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Begin")])
    assert await bot.delete_my_commands(language_code="nl") is True
    assert await bot.set_chat_menu_button() is True
    assert await bot.close() is True
    assert await bot.log_out() is True


# --- the test helpers -----------------------------------------------------------------------


async def test_mark_wait_for_and_sent_since_mark(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(1001, "voor")
    fake.mark()
    fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest):
        await bot.send_message(1001, "mislukt")
    await bot.send_message(1001, "na")
    assert [p["text"] for p in fake.sent_since_mark()] == ["na"]
    assert [p["text"] for p in await fake.wait_for("sendMessage", count=2)] == ["mislukt", "na"]
    assert [p["text"] for p in await fake.wait_for("sendMessage", ok=True)] == ["na"]
    assert [p["text"] for p in await fake.wait_for("sendMessage", ok=False)] == ["mislukt"]
    with pytest.raises(AssertionError) as info:
        await fake.wait_for("sendMessage", lambda p: p["text"] == "nooit", timeout=0.2)
    summary = str(info.value)
    assert "waiting for 1 call(s) of sendMessage matching the predicate; found 0" in summary
    assert "'text': 'mislukt'" in summary
    assert "Bad Request: chat not found" in summary


async def test_other_factories_parse_in_ptb(fake: FakeBotAPI, bot: Bot) -> None:
    amal = user(username="amal_nl")
    coaches = group_chat(is_forum=True)
    question = text_update(amal, "hoi")
    updates = [
        forwarded_text_update(amal, "doorgestuurd"),
        channel_post_update("Nieuws"),
        text_update(amal, "in topic", coaches, message_thread_id=42, reply_to=question["message"]),
        command_update(amal, "/help", chat=coaches),
    ]
    for raw in updates:
        fake.push_update(raw)
    forwarded, post, topic_message, command = await bot.get_updates(timeout=0)
    assert forwarded.message is not None
    assert isinstance(forwarded.message.forward_origin, MessageOriginUser)
    assert post.channel_post is not None
    assert post.channel_post.sender_chat is not None
    assert topic_message.message is not None
    assert topic_message.message.is_topic_message
    assert topic_message.message.message_thread_id == 42
    assert topic_message.message.reply_to_message is not None
    assert command.message is not None
    assert command.message.text == "/help"
    assert command.message.entities[0].type == "bot_command"
    assert private_chat(amal) == {"id": 1001, "type": "private", "first_name": "Amal", "username": "amal_nl"}


async def test_bot_with_custom_request_objects(fake: FakeBotAPI) -> None:
    # the same keyword arguments the real bot factory may use
    request = HTTPXRequest(connection_pool_size=4, read_timeout=5)
    async with Bot(fake.token, base_url=f"{fake.url}/bot", request=request) as custom:
        me = await custom.get_me()
    assert me.username == "werkhelpdesk_test_bot"
    assert me.can_join_groups
