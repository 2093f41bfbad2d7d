"""bot.tg.request: PTB's Bot on aiohttp's client, against the fake Bot API (errors, time-outs, uploads)."""

from __future__ import annotations

import datetime as dtm
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.tg.request import AiohttpRequest
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api
        assert api.server_errors == []


def make_bot(url: str, token: str, **timeouts: float) -> Bot:
    return Bot(token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot", request=AiohttpRequest(**timeouts))


async def test_parameters_buttons_and_the_answer_arrive(fake: FakeBotAPI) -> None:
    async with make_bot(fake.url, fake.token) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="a:coach_yes")]])
        sent = await bot.send_message(1001, "hoi 👋 شكرا", reply_markup=markup, message_thread_id=None)
        second = await bot.send_message(1001, "& = ?")
    assert sent.text == "hoi 👋 شكرا"
    assert sent.reply_markup == markup
    assert second.text == "& = ?"
    assert [c["text"] for c in fake.calls("sendMessage")] == ["hoi 👋 شكرا", "& = ?"]


async def test_errors_become_ptbs_exceptions(fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # RetryAfter with a timedelta, without PTB's warning
    fake.fail_next("sendMessage", status=429, retry_after=3)
    fake.fail_next("getChat", status=502, description="Bad Gateway")
    fake.block_user(1002)
    async with make_bot(fake.url, fake.token) as bot:
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(1001, "hoi")
        assert info.value.retry_after == dtm.timedelta(seconds=3)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.get_chat(1001)
        with pytest.raises(Forbidden):
            await bot.send_message(1002, "hoi")
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(1001, "x" * 4097)
        assert (await bot.send_message(1001, "weer")).text == "weer"


async def test_a_slow_answer_times_out(fake: FakeBotAPI) -> None:
    fake.delay_next("sendMessage", 2.0)
    async with make_bot(fake.url, fake.token, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "hoi")
    fake.delay_next("getChat", 1.0, times=2)
    async with make_bot(fake.url, fake.token, read_timeout=5.0) as bot:  # a call's own time-out wins
        with pytest.raises(TimedOut):
            await bot.get_chat(1001, read_timeout=0.2)
        assert (await bot.get_chat(1001)).id == 1001


async def test_nobody_listening_is_a_network_error(fake: FakeBotAPI) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(NetworkError) as info:
        async with make_bot(f"http://127.0.0.1:{port}", fake.token, connect_timeout=1.0):  # asks getMe
            pass
    assert not isinstance(info.value, TimedOut)


async def test_a_document_is_uploaded_as_multipart(fake: FakeBotAPI) -> None:
    content = b'{"naam": "Sara"}'
    async with make_bot(fake.url, fake.token) as bot:
        sent = await bot.send_document(1001, InputFile(content, filename="mijn-gegevens.json"), caption="📄")
    assert sent.document is not None
    (call,) = fake.calls("sendDocument")
    upload = call["document"]
    assert isinstance(upload, tg.UploadedFile)
    assert upload.content == content
    assert upload.filename == "mijn-gegevens.json"
    assert call["caption"] == "📄"


async def test_not_initialised_and_shut_down_twice(fake: FakeBotAPI) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{fake.url}/bot{fake.token}/getMe", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()
    assert request.read_timeout == 5.0
