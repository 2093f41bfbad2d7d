"""TRANSLATOR and its settings are checked at start-up, like the others: a wrong combination stops the bot
with a sentence that says what to set."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from tests.tiny_mt import build_marian_pair


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_off_by_default() -> None:
    assert settings().translator == "off"
    assert settings().translator_timeout_seconds == 10.0


def test_libretranslate_needs_an_http_url() -> None:
    with pytest.raises(ValidationError, match="TRANSLATOR_URL"):
        settings(translator="libretranslate")
    with pytest.raises(ValidationError, match="TRANSLATOR_URL"):
        settings(translator="libretranslate", translator_url="libretranslate:5000")
    ok = settings(translator="libretranslate", translator_url="http://libretranslate:5000", translator_key="k")
    assert ok.translator_key == "k"


def test_unknown_provider_and_bad_timeout_are_refused() -> None:
    with pytest.raises(ValidationError):
        settings(translator="google")
    with pytest.raises(ValidationError):
        settings(translator="libretranslate", translator_url="http://x", translator_timeout_seconds=0)


def test_ctranslate2_needs_a_directory_with_models(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="TRANSLATOR_MODEL_DIR"):
        settings(translator="ctranslate2")
    with pytest.raises(ValidationError, match="TRANSLATOR_MODEL_DIR"):
        settings(translator="ctranslate2", translator_model_dir=tmp_path / "missing")
    (tmp_path / "ti-en").mkdir()  # a pair directory without a converted model
    with pytest.raises(ValidationError, match="has no model"):
        settings(translator="ctranslate2", translator_model_dir=tmp_path)
    build_marian_pair(tmp_path / "models", "ti", "en")
    assert settings(translator="ctranslate2", translator_model_dir=tmp_path / "models").translator == "ctranslate2"


def test_environment_empty_model_dir_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATOR_MODEL_DIR", "")
    assert settings().translator_model_dir is None
