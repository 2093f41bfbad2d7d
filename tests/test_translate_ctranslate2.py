"""The CTranslate2 provider on tiny models the test builds itself (tests/tiny_mt.py: no download): tokenise →
translate → detokenise, the pivot through English, NLLB's language tokens, work off the event loop, and
its failures as typed errors without text in the logs."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.translate.local import CTranslate2Translator
from bot.translate.types import TranslationUnavailableError
from tests.tiny_mt import ANSWERS, build_marian_pair, build_nllb

SECRET = "ስራሕ ይደሊ ኣለኹ 0612345678"


@pytest.fixture(scope="module")
def opus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("opus")
    build_marian_pair(root, "ti", "en")
    build_marian_pair(root, "en", "nl")
    build_marian_pair(root, "nl", "en")
    (root / "README.txt").write_text("not a model")
    (root / "en-ar").mkdir()  # a pair directory whose conversion never finished: ignored
    return root


@pytest.fixture(scope="module")
def nllb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nllb")
    build_nllb(root)
    return root


async def test_direct_pair_translates_each_line(opus_dir: Path) -> None:
    provider = await CTranslate2Translator.open(opus_dir, 10)
    try:
        assert provider.pairs() == [("en", "nl"), ("nl", "en"), ("ti", "en")]
        result = await provider.translate("ሰላም ከመይ ኣለኹም\n\n  \nስራሕ ይደሊ", "ti", "en")
        assert result.text == f"{ANSWERS['en']}\n\n  \n{ANSWERS['en']}"  # blank lines kept as they were
        assert (result.provider, result.source, result.target, result.machine) == ("ctranslate2", "ti", "en", True)
        assert (await provider.translate("   ", "ti", "en")).text == "   "
    finally:
        await provider.close()


async def test_tigrinya_to_dutch_goes_through_english(opus_dir: Path) -> None:
    provider = await CTranslate2Translator.open(opus_dir, 10)
    try:
        result = await provider.translate(SECRET, "ti", "nl")
        assert result.text == ANSWERS["nl"]
        assert result.provider == "ctranslate2 (via en)"
        assert (await provider.translate("hallo", "nl", "en")).provider == "ctranslate2"
    finally:
        await provider.close()


async def test_direct_pair_is_preferred_to_the_pivot(tmp_path: Path) -> None:
    for source, target in (("ti", "en"), ("en", "nl"), ("ti", "nl")):
        build_marian_pair(tmp_path, source, target)
    provider = await CTranslate2Translator.open(tmp_path, 10)
    try:
        result = await provider.translate(SECRET, "ti", "nl")
        assert (result.text, result.provider) == (ANSWERS["nl"], "ctranslate2")
    finally:
        await provider.close()


async def test_pair_without_a_model_is_unsupported(opus_dir: Path) -> None:
    provider = await CTranslate2Translator.open(opus_dir, 10)
    try:
        for source, target in (("en", "ti"), ("ar", "nl"), ("nl", "ti")):
            with pytest.raises(TranslationUnavailableError) as caught:
                await provider.translate("hallo", source, target)
            assert caught.value.reason == "unsupported_pair"
    finally:
        await provider.close()


async def test_nllb_serves_every_pair_with_one_model(nllb_dir: Path) -> None:
    provider = await CTranslate2Translator.open(nllb_dir, 10)
    try:
        assert provider.models_loaded == 1
        assert len(provider.pairs()) == 12
        for source, target in (("ti", "nl"), ("nl", "ti"), ("en", "ar"), ("ar", "en")):
            result = await provider.translate("hello world", source, target)
            assert result.text == ANSWERS[target]  # the target language token chose the answer
            assert result.provider == "ctranslate2"
    finally:
        await provider.close()


async def test_a_pairs_own_model_wins_over_nllb(opus_dir: Path, nllb_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "ti-en").symlink_to(opus_dir / "ti-en")
    (tmp_path / "nllb").symlink_to(nllb_dir / "nllb-tiny")
    provider = await CTranslate2Translator.open(tmp_path, 10)
    try:
        assert provider.models_loaded == 2
        assert (await provider.translate(SECRET, "ti", "nl")).provider == "ctranslate2"  # NLLB, no pivot needed
    finally:
        await provider.close()


async def test_runs_in_its_own_thread_not_on_the_event_loop(opus_dir: Path) -> None:
    provider = await CTranslate2Translator.open(opus_dir, 10)
    threads: list[str] = []
    model = provider._models[opus_dir / "ti-en"]
    original = model.translator

    class Recording:
        def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            return original.translate_batch(*args, **kwargs)

    model.translator = Recording()
    try:
        await provider.translate(SECRET, "ti", "en")
        assert len(threads) == 1
        assert threads[0].startswith("ctranslate2")
        assert threads[0] != threading.main_thread().name
    finally:
        await provider.close()


async def test_source_prefix_token_goes_first(tmp_path: Path) -> None:
    """Multi-target OPUS-MT models (opus-mt-en-ar) read the target language's token before the text."""
    pair = build_marian_pair(tmp_path, "en", "ar")
    (pair / "source_prefix.txt").write_text(">>ara<<\n")
    provider = await CTranslate2Translator.open(tmp_path, 10)
    batches: list[list[list[str]]] = []
    model = provider._models[pair]
    original = model.translator

    class Recording:
        def translate_batch(self, batch: list[list[str]], **kwargs: Any) -> Any:
            batches.append(batch)
            return original.translate_batch(batch, **kwargs)

    model.translator = Recording()
    try:
        assert (await provider.translate("hello world", "en", "ar")).text == ANSWERS["ar"]
        assert batches == [[[">>ara<<", "▁hello", "▁world", "</s>"]]]
    finally:
        await provider.close()


async def test_too_slow_is_a_timeout(opus_dir: Path) -> None:
    provider = await CTranslate2Translator.open(opus_dir, 0.05)
    model = provider._models[opus_dir / "ti-en"]
    original = model.translator
    release = threading.Event()

    class Slow:  # the tiny model can beat any timer; this one answers only once the caller has given up
        def translate_batch(self, batch: list[list[str]], **kwargs: Any) -> Any:
            release.wait(5)
            return original.translate_batch(batch, **kwargs)

    model.translator = Slow()
    try:
        with pytest.raises(TranslationUnavailableError) as caught:
            await provider.translate(SECRET, "ti", "nl")
        assert caught.value.reason == "timeout"
    finally:
        release.set()
        await provider.close()


async def test_model_failure_is_typed_and_logs_no_text(opus_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    provider = await CTranslate2Translator.open(opus_dir, 10)

    class Broken:
        def translate_batch(self, batch: list[list[str]], **_: Any) -> Any:
            raise RuntimeError(f"cannot translate {batch}")  # a message that quotes its input

    provider._models[opus_dir / "ti-en"].translator = Broken()
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(TranslationUnavailableError) as caught:
            await provider.translate(SECRET, "ti", "en")
        assert (caught.value.reason, caught.value.detail) == ("provider_error", "RuntimeError")
        assert "ስራሕ" not in caplog.text
        assert "▁" not in caplog.text
        assert "0612345678" not in str(caught.value)
    finally:
        await provider.close()
