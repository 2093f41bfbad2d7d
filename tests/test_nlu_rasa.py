"""The Rasa backend: RasaClient against a local stand-in for POST /model/parse, the fallback to the embedded
classifier when Rasa is down or slow (logged once), and, opt-in, a real Rasa server (-m rasa --rasa-url)."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.nlu.embedded import MAX_CHARS, EmbeddedClassifier
from bot.nlu.rasa import FallbackParser, RasaClient, RasaUnavailableError
from bot.nlu.types import Entity
from bot.services import Services
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import running_bot, say

RASA_LOG = "bot.nlu.rasa"

# Recorded from `rasa run --enable-api` (rasa 3.6.21, nlu/config.yml, trained on nlu/data), trimmed to the
# top three of the ranking.
RECORDED_PARSE: dict[str, Any] = {
    "text": "ik ben tandarts uit syrie mag ik hier werken",
    "intent": {"name": "profession_accreditation", "confidence": 1.0},
    "entities": [
        {
            "entity": "profession",
            "start": 7,
            "end": 15,
            "confidence_entity": 0.9993845224380493,
            "value": "dentist",
            "extractor": "DIETClassifier",
            "processors": ["EntitySynonymMapper"],
        }
    ],
    "text_tokens": [[0, 2], [3, 6], [7, 15], [16, 19], [20, 25], [26, 29], [30, 32], [33, 37], [38, 44]],
    "intent_ranking": [
        {"name": "profession_accreditation", "confidence": 1.0},
        {"name": "greet", "confidence": 2.370217677007616e-34},
        {"name": "affirm", "confidence": 2.063102099522283e-34},
    ],
}


class RasaStandIn:
    """A local aiohttp server that answers POST /model/parse like Rasa, and can be stopped, restarted,
    made slow or made to fail."""

    def __init__(self, intent: str = "request_human") -> None:
        self.intent = intent  # what it answers for every message, unless `answer` is set
        self.answer: Any = None
        self.mode = "ok"  # ok | slow | error | garbage
        self.requests: list[dict[str, Any]] = []
        self.release = asyncio.Event()  # slow requests wait for this
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self._parse)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)  # port 0 first, the same port on restart
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _parse(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "slow":
            await self.release.wait()
        if self.mode == "error":
            return web.Response(status=500, text="internal error")
        if self.mode == "garbage":
            return web.Response(text="<html>not rasa</html>", content_type="text/html")
        if self.answer is not None:
            return web.json_response(self.answer)
        ranking = [{"name": self.intent, "confidence": 0.97}, {"name": "out_of_scope", "confidence": 0.02}]
        return web.json_response(
            {"text": body["text"], "intent": ranking[0], "entities": [], "intent_ranking": ranking}
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def rasa() -> AsyncIterator[RasaStandIn]:
    server = RasaStandIn()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def test_client_reads_rasas_answer(rasa: RasaStandIn, session: aiohttp.ClientSession) -> None:
    rasa.answer = RECORDED_PARSE
    result = await RasaClient(session, rasa.url + "/", timeout=5).parse("ik ben tandarts uit syrie mag ik hier werken")
    assert rasa.requests == [{"text": "ik ben tandarts uit syrie mag ik hier werken"}]
    assert (result.intent, result.confidence, result.language) == ("profession_accreditation", 1.0, "nl")
    assert result.ranking[1] == ("greet", 2.370217677007616e-34)
    assert result.entities == (Entity("profession", "dentist"),)
    assert not session.closed  # the shared session belongs to the services, not to the client


async def test_client_sends_at_most_max_chars_and_keeps_the_text(
    rasa: RasaStandIn, session: aiohttp.ClientSession
) -> None:
    text = "ik wil CV maken " * 200
    result = await RasaClient(session, rasa.url, timeout=5).parse(text)
    assert rasa.requests == [{"text": text[:MAX_CHARS]}]
    assert result.text == text


async def test_client_accepts_a_sparse_answer(rasa: RasaStandIn, session: aiohttp.ClientSession) -> None:
    rasa.answer = {"text": "x", "intent": None, "entities": [{"start": 0}]}
    result = await RasaClient(session, rasa.url, timeout=5).parse("x")
    assert (result.intent, result.confidence, result.ranking, result.entities) == ("out_of_scope", 0.0, (), ())


@pytest.mark.parametrize(
    ("mode", "answer", "reason"),
    [
        ("error", None, "HTTP 500"),
        ("garbage", None, "ContentTypeError"),
        ("ok", ["not", "a", "parse", "result"], "unexpected answer"),
        ("ok", {"intent": {"name": "greet", "confidence": "high"}}, "ValueError"),
    ],
)
async def test_client_turns_bad_answers_into_unavailable(
    rasa: RasaStandIn, session: aiohttp.ClientSession, mode: str, answer: Any, reason: str
) -> None:
    rasa.mode, rasa.answer = mode, answer
    with pytest.raises(RasaUnavailableError, match=reason):
        await RasaClient(session, rasa.url, timeout=5).parse("hallo")


async def test_stopped_rasa_falls_back_logs_once_and_comes_back(
    rasa: RasaStandIn,
    session: aiohttp.ClientSession,
    embedded: EmbeddedClassifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    parser = FallbackParser(RasaClient(session, rasa.url, timeout=5), embedded, retry_after=30, clock=clock)
    caplog.set_level(logging.INFO, logger=RASA_LOG)
    assert (await parser.parse("ik wil CV maken")).intent == "request_human"  # Rasa's answer

    await rasa.stop()  # connection refused from now on
    texts = ["ik wil CV maken", "بدي اعادل شهادتي", "ባህሊ ስራሕ ኣብ ሆላንድ ከመይ እዩ", "dank je wel"] * 3
    for text in texts:
        result = await parser.parse(text)
        assert result == embedded.predict(text)
        clock.now += 31  # every message may try Rasa again: still one warning
    assert parser.degraded
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage().startswith("Rasa server unavailable (")  # the reason: refused or reset
    assert warning.getMessage().endswith("): using the embedded classifier")

    await rasa.start()  # same port
    assert (await parser.parse("dank je wel")).intent == "request_human"
    assert (await parser.parse("dank je wel")).intent == "request_human"
    assert not parser.degraded
    assert [r.getMessage() for r in caplog.records].count("Rasa server answers again") == 1
    assert len(caplog.records) == 2


async def test_while_rasa_is_down_it_is_tried_only_every_retry_after(
    rasa: RasaStandIn, session: aiohttp.ClientSession, embedded: EmbeddedClassifier
) -> None:
    clock = FakeClock()
    parser = FallbackParser(RasaClient(session, rasa.url, timeout=5), embedded, retry_after=30, clock=clock)
    rasa.mode = "error"
    for _ in range(5):
        assert (await parser.parse("ik wil CV maken")).intent == "cv_help"
    assert len(rasa.requests) == 1  # the others went straight to the embedded classifier
    rasa.mode = "ok"
    clock.now += 29
    assert (await parser.parse("ik wil CV maken")).intent == "cv_help"
    clock.now += 1
    assert (await parser.parse("ik wil CV maken")).intent == "request_human"
    assert len(rasa.requests) == 2


async def test_slow_rasa_times_out_to_the_embedded_classifier(
    rasa: RasaStandIn,
    session: aiohttp.ClientSession,
    embedded: EmbeddedClassifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    parser = FallbackParser(RasaClient(session, rasa.url, timeout=0.05), embedded, clock=clock)
    rasa.mode = "slow"  # answers only when released, long after the client's timeout
    caplog.set_level(logging.INFO, logger=RASA_LOG)
    for text in ["بدي اعادل شهادتي", "ik wil CV maken", "dank je wel"]:
        assert await parser.parse(text) == embedded.predict(text)
        clock.now += 60
    assert len(rasa.requests) == 3
    (warning,) = caplog.records
    assert "Timeout" in warning.getMessage()
    assert warning.getMessage().endswith("): using the embedded classifier")


# Through the whole bot: Rasa answers, then is stopped in the middle of the conversation. ---------------


@pytest.fixture
def settings_overrides(rasa: RasaStandIn) -> dict[str, object]:
    rasa.intent = "work_culture"  # not what the embedded classifier says: shows who answered
    return {"rasa_url": rasa.url, "rasa_timeout": 5.0}


async def test_bot_falls_back_when_rasa_stops_mid_conversation(
    fake: FakeBotAPI, services: Services, rasa: RasaStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=RASA_LOG)
    sara = tg.user(3003, "Sara", language_code="nl")
    culture = services.flows.text("work_culture", "start", "nl")
    cv = services.flows.text("cv_help", "start", "nl")
    async with running_bot(services):
        (first,) = await say(fake, tg.text_update(sara, "ik wil CV maken"))
        await rasa.stop()
        (second,) = await say(fake, tg.text_update(sara, "ik wil CV maken"))
        (third,) = await say(fake, tg.text_update(sara, "ik wil CV maken"))
    assert [first["text"], second["text"], third["text"]] == [culture, cv, cv]
    assert [r.levelname for r in caplog.records if r.name == RASA_LOG] == ["WARNING"]


# A real Rasa server (opt-in) ------------------------------------------------------------------------


@pytest.fixture
def rasa_url(request: pytest.FixtureRequest) -> str:
    url = str(request.config.getoption("--rasa-url"))
    if not url:
        pytest.skip(
            "no Rasa server: serve a model trained on nlu/ (bench/README.md, section NLU) and pass "
            "--rasa-url http://127.0.0.1:5005 or set RASA_URL"
        )
    return url


@pytest.mark.rasa
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("بدي اعادل شهادتي", "diploma_recognition"),
        ("ik wil CV maken", "cv_help"),
        ("ዲፕሎማይ ከመይ ክፈልጦ", "diploma_recognition"),
        ("dank je wel", "thanks"),
        ("wat voor weer wordt het morgen", "out_of_scope"),
    ],
)
async def test_real_rasa_server(
    rasa_url: str, session: aiohttp.ClientSession, embedded: EmbeddedClassifier, text: str, intent: str
) -> None:
    parser = FallbackParser(RasaClient(session, rasa_url, timeout=30), embedded)
    result = await parser.parse(text)
    assert not parser.degraded, "the Rasa server did not answer"
    assert (result.intent, result.text) == (intent, text)
    assert result.ranking[0] == (intent, result.confidence)


@pytest.mark.rasa
async def test_real_rasa_server_profession_entity(rasa_url: str, session: aiohttp.ClientSession) -> None:
    result = await RasaClient(session, rasa_url, timeout=30).parse("ik ben tandarts wat moet ik doen om te werken")
    assert result.intent == "profession_accreditation"
    assert result.entity("profession") == "dentist"


def test_recorded_answer_is_rasas_shape() -> None:
    recorded = copy.deepcopy(RECORDED_PARSE)
    assert recorded["intent"] == recorded["intent_ranking"][0]
    assert {"entity", "value", "start", "end"} <= set(recorded["entities"][0])
