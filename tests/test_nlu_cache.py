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

    def __init__(self, examples: Sequence[Example] = EXAMPLES) -> None:
        self.examples = examples
        self.calls = 0

    async def __call__(self) -> EmbeddedClassifier:
        self.calls += 1
        await asyncio.sleep(0.3)
        return EmbeddedClassifier.train(self.examples)


def write_nlu(nlu_dir: Path, extra: str = "") -> Path:
    """A small nlu/ directory (data, nodes) whose files the cache key is taken over."""
    (nlu_dir / "data").mkdir(parents=True, exist_ok=True)
    (nlu_dir / "nodes").mkdir(exist_ok=True)
    lines = "\n".join(
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {text} {i}\n" for i in range(6))
        for intent, text in (("greet", "hallo goedemorgen"), ("cv_help", "hoe schrijf ik een cv" + extra))
    )
    (nlu_dir / "data" / "nl.yml").write_text(f'version: "3.1"\nnlu:\n{lines}', encoding="utf-8")
    (nlu_dir / "nodes" / "nl.yml").write_text("cv_help:\n  gaps:\n  - gat in mijn cv\n", encoding="utf-8")
    return nlu_dir


def leftovers(directory: Path) -> list[Path]:
    return list(directory.glob(".tmp-*"))


def model_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("embedded-*.pickle"))


async def test_second_start_loads_the_cached_model(tmp_path: Path) -> None:
    train, nlu = Trainer(), write_nlu(tmp_path / "nlu")
    directory = tmp_path / "cache" / "nlu"
    first, cached_first = await cache.load_or_train(nlu, directory, train)
    second, cached_second = await cache.load_or_train(nlu, directory, train)
    assert (cached_first, cached_second, train.calls) == (False, True, 1)
    assert second.predict("hoe schrijf ik een cv").intent == first.predict("hoe schrijf ik een cv").intent == "cv_help"
    assert second.predict("hoe schrijf ik een cv").confidence == first.predict("hoe schrijf ik een cv").confidence
    assert [p.stat().st_mode & 0o777 for p in model_files(directory)] == [0o600]
    assert directory.stat().st_mode & 0o777 == 0o700


async def test_changed_data_trains_again_and_old_models_are_pruned(tmp_path: Path) -> None:
    train, nlu, directory = Trainer(), write_nlu(tmp_path / "nlu"), tmp_path / "cache"
    await cache.load_or_train(nlu, directory, train)
    for n in range(cache.KEEP + 1):
        write_nlu(nlu, extra=f" versie {n}")
        _, cached = await cache.load_or_train(nlu, directory, train)
        assert not cached
    assert train.calls == cache.KEEP + 2
    assert len(model_files(directory)) == cache.KEEP


def test_key_follows_data_nodes_and_openers_but_not_the_eval_set(tmp_path: Path) -> None:
    nlu = write_nlu(tmp_path / "nlu")
    keys = {cache.cache_key(nlu)}
    (nlu / "eval").mkdir()
    (nlu / "eval" / "realistic.yml").write_text("nl: []\n", encoding="utf-8")
    assert cache.cache_key(nlu) in keys, "the held-out set is not training data"
    (nlu / "nodes" / "nl.yml").write_text("cv_help:\n  gaps:\n  - gat in cv\n", encoding="utf-8")
    keys.add(cache.cache_key(nlu))
    (nlu / "openers").mkdir()
    (nlu / "openers" / "nl.yml").write_text("- ik kom uit syrie\n", encoding="utf-8")
    keys.add(cache.cache_key(nlu))
    assert len(keys) == 3
    files = cache.training_files(nlu)
    assert [p.relative_to(nlu).as_posix() for p in files] == ["data/nl.yml", "nodes/nl.yml", "openers/nl.yml"]


async def test_replicas_starting_together_train_once(tmp_path: Path) -> None:
    train, nlu = Trainer(), write_nlu(tmp_path / "nlu")
    results = await asyncio.gather(*(cache.load_or_train(nlu, tmp_path / "cache", train) for _ in range(3)))
    assert train.calls == 1
    assert sorted(cached for _, cached in results) == [False, True, True]
    assert not leftovers(tmp_path / "cache"), "no temporary file is left behind"


async def test_a_damaged_file_is_retrained_and_replaced(tmp_path: Path) -> None:
    train, nlu, directory = Trainer(), write_nlu(tmp_path / "nlu"), tmp_path / "cache"
    await cache.load_or_train(nlu, directory, train)
    (path,) = model_files(directory)
    path.write_bytes(path.read_bytes()[:1000])  # e.g. a disk that filled up under an older version
    classifier, cached = await cache.load_or_train(nlu, directory, train)
    assert (cached, train.calls) == (False, 2)
    assert classifier.predict("hallo goedemorgen").intent == "greet"
    assert cache.read(path) is not None


async def test_a_file_others_can_write_is_not_unpickled(tmp_path: Path) -> None:
    train, nlu, directory = Trainer(), write_nlu(tmp_path / "nlu"), tmp_path / "cache"
    await cache.load_or_train(nlu, directory, train)
    (path,) = model_files(directory)
    os.chmod(path, 0o666)
    assert cache.read(path) is None
    _, cached = await cache.load_or_train(nlu, directory, train)
    assert (cached, train.calls) == (False, 2)


async def test_a_file_in_place_of_the_directory_trains_without_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("not a directory")
    train = Trainer()
    classifier, cached = await cache.load_or_train(write_nlu(tmp_path / "nlu"), blocked, train)
    assert (cached, train.calls) == (False, 1)
    assert classifier.predict("hoe schrijf ik een cv").intent == "cv_help"


def test_cache_setting_empty_means_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings(nlu_cache_dir="").nlu_cache_dir == tmp_path / "werkhelpdesk" / "nlu"
    assert Settings(nlu_cache_dir=str(tmp_path / "x")).nlu_cache_dir == tmp_path / "x"


async def test_services_load_the_cached_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`train_embedded` (what `werkhelpdesk run` calls) trains in its child process once, then loads."""
    settings = Settings(nlu_dir=write_nlu(tmp_path / "nlu"), nlu_cache_dir=tmp_path / "cache")
    first = await train_embedded(settings)
    assert len(model_files(tmp_path / "cache")) == 1

    async def no_training(examples: Sequence[Example]) -> EmbeddedClassifier:
        raise AssertionError("trained although the model was cached")

    monkeypatch.setattr(services, "train_in_process", no_training)
    second = await train_embedded(settings)
    assert second.predict("hoe schrijf ik een cv").intent == first.predict("hoe schrijf ik een cv").intent == "cv_help"
    assert second.predict("gat in mijn cv").node == first.predict("gat in mijn cv").node
    settings_off = Settings(nlu_dir=settings.nlu_dir, nlu_cache_dir=tmp_path / "cache", nlu_cache=False)
    with pytest.raises(AssertionError, match="trained although"):
        await train_embedded(settings_off)


async def test_console_examples_are_part_of_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A restart with the same examples from the console loads the model; other examples train anew."""
    settings = Settings(nlu_dir=write_nlu(tmp_path / "nlu"), nlu_cache_dir=tmp_path / "cache")
    added = [Example(f"waar vind ik kinderopvang {i}", "childcare", "nl") for i in range(6)]
    first = await train_embedded(settings, added)
    assert "childcare" in first.intents
    assert cache.cache_key(settings.nlu_dir) != cache.cache_key(settings.nlu_dir, "abc")

    async def no_training(examples: Sequence[Example]) -> EmbeddedClassifier:
        raise AssertionError("trained although the model was cached")

    monkeypatch.setattr(services, "train_in_process", no_training)
    second = await train_embedded(settings, added)
    assert second.predict("waar vind ik kinderopvang").intent == "childcare"
    with pytest.raises(AssertionError, match="trained although"):
        await train_embedded(settings, added[:5])
