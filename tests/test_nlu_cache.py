"""The trained-model cache on disk (bot/nlu/cache.py): loaded while data and code are unchanged, retrained
when the data changes, safe with replicas starting together, never unpickled from a foreign file."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot import services
from bot.nlu import cache
from bot.nlu.data import Example
from bot.nlu.embedded import EmbeddedClassifier
from bot.services import train_embedded
from bot.settings import Settings

EXAMPLES = [
    *[Example(f"hallo goedemorgen {i}", "greet", "nl") for i in range(6)],
    *[Example(f"hoe schrijf ik een cv nummer {i}", "cv_help", "nl") for i in range(6)],
    *[Example(f"wat verdien ik met een contract {i}", "employment_contract", "nl") for i in range(6)],
]


class Trainer:
    """Counts trainings; each takes a little while so concurrent starts overlap."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, examples: Sequence[Example]) -> EmbeddedClassifier:
        self.calls += 1
        await asyncio.sleep(0.3)
        return EmbeddedClassifier.train(examples).compact()


def leftovers(directory: Path) -> list[Path]:
    return list(directory.glob(".tmp-*"))


def model_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("embedded-*.pickle"))


async def test_second_start_loads_the_cached_model(tmp_path: Path) -> None:
    train = Trainer()
    directory = tmp_path / "cache" / "nlu"
    first, cached_first = await cache.load_or_train(EXAMPLES, directory, train)
    second, cached_second = await cache.load_or_train(EXAMPLES, directory, train)
    assert (cached_first, cached_second, train.calls) == (False, True, 1)
    assert second.predict("hoe schrijf ik een cv").intent == first.predict("hoe schrijf ik een cv").intent == "cv_help"
    assert second.predict("hoe schrijf ik een cv").confidence == first.predict("hoe schrijf ik een cv").confidence
    assert [p.stat().st_mode & 0o777 for p in model_files(directory)] == [0o600]
    assert directory.stat().st_mode & 0o777 == 0o700


async def test_changed_data_trains_again_and_old_models_are_pruned(tmp_path: Path) -> None:
    train = Trainer()
    await cache.load_or_train(EXAMPLES, tmp_path, train)
    for n in range(cache.KEEP + 1):
        changed = [*EXAMPLES, Example(f"een nieuwe vraag over een cv {n}", "cv_help", "nl")]
        _, cached = await cache.load_or_train(changed, tmp_path, train)
        assert not cached
    assert train.calls == cache.KEEP + 2
    assert len(model_files(tmp_path)) == cache.KEEP


async def test_key_depends_on_text_intent_and_node() -> None:
    base = cache.cache_key(EXAMPLES)
    assert cache.cache_key(list(EXAMPLES)) == base
    relabelled = [Example(EXAMPLES[0].text, "thanks", "nl"), *EXAMPLES[1:]]
    with_node = [Example(EXAMPLES[0].text, "greet", "nl", (), "start"), *EXAMPLES[1:]]
    assert len({base, cache.cache_key(relabelled), cache.cache_key(with_node)}) == 3


async def test_replicas_starting_together_train_once(tmp_path: Path) -> None:
    train = Trainer()
    results = await asyncio.gather(*(cache.load_or_train(EXAMPLES, tmp_path, train) for _ in range(3)))
    assert train.calls == 1
    assert sorted(cached for _, cached in results) == [False, True, True]
    assert not leftovers(tmp_path), "no temporary file is left behind"


async def test_a_damaged_file_is_retrained_and_replaced(tmp_path: Path) -> None:
    train = Trainer()
    await cache.load_or_train(EXAMPLES, tmp_path, train)
    (path,) = model_files(tmp_path)
    path.write_bytes(path.read_bytes()[:1000])  # e.g. a disk that filled up under an older version
    classifier, cached = await cache.load_or_train(EXAMPLES, tmp_path, train)
    assert (cached, train.calls) == (False, 2)
    assert classifier.predict("hallo goedemorgen").intent == "greet"
    assert cache.read(path) is not None


async def test_a_file_others_can_write_is_not_unpickled(tmp_path: Path) -> None:
    train = Trainer()
    await cache.load_or_train(EXAMPLES, tmp_path, train)
    (path,) = model_files(tmp_path)
    os.chmod(path, 0o666)
    assert cache.read(path) is None
    _, cached = await cache.load_or_train(EXAMPLES, tmp_path, train)
    assert (cached, train.calls) == (False, 2)


async def test_a_file_in_place_of_the_directory_trains_without_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "nlu"
    blocked.write_text("not a directory")
    train = Trainer()
    classifier, cached = await cache.load_or_train(EXAMPLES, blocked, train)
    assert (cached, train.calls) == (False, 1)
    assert classifier.predict("hoe schrijf ik een cv").intent == "cv_help"


def test_cache_setting_empty_means_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings(nlu_cache_dir="").nlu_cache_dir == tmp_path / "werkhelpdesk" / "nlu"
    assert Settings(nlu_cache_dir=str(tmp_path / "x")).nlu_cache_dir == tmp_path / "x"


async def test_services_load_the_cached_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`train_embedded` (what `werkhelpdesk run` calls) trains in its child process once, then loads."""
    (tmp_path / "nlu" / "data").mkdir(parents=True)
    lines = "\n".join(
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {text} {i}\n" for i in range(6))
        for intent, text in (("greet", "hallo goedemorgen"), ("cv_help", "hoe schrijf ik een cv"))
    )
    (tmp_path / "nlu" / "data" / "nl.yml").write_text(f'version: "3.1"\nnlu:\n{lines}', encoding="utf-8")
    settings = Settings(nlu_dir=tmp_path / "nlu", nlu_cache_dir=tmp_path / "cache")
    first = await train_embedded(settings)
    assert len(model_files(tmp_path / "cache")) == 1

    async def no_training(examples: Sequence[Example]) -> EmbeddedClassifier:
        raise AssertionError("trained although the model was cached")

    monkeypatch.setattr(services, "train_in_process", no_training)
    second = await train_embedded(settings)
    assert second.predict("hoe schrijf ik een cv").intent == first.predict("hoe schrijf ik een cv").intent == "cv_help"
