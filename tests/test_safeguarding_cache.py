"""The safeguarding model is kept in the model cache like the intent classifier: a start with the same
data and code loads it instead of training; other data means another file; a damaged file is retrained."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.safeguarding import model
from bot.settings import PROJECT_ROOT

NLU = PROJECT_ROOT / "nlu"
PROBES = [
    "ik wil niet meer leven",
    "my boss keeps my passport and does not pay me",
    "hoe schrijf ik een cv",
    "بدي موت ما عاد فيني",
]


def _copy_nlu(tmp_path: Path) -> Path:
    nlu = tmp_path / "nlu"
    for part in ("data", "safeguarding"):
        shutil.copytree(NLU / part, nlu / part, ignore=shutil.ignore_patterns("unseen"))
    return nlu


def test_second_start_loads_the_same_model_from_the_cache(tmp_path: Path) -> None:
    nlu, cache_dir = _copy_nlu(tmp_path), tmp_path / "cache"
    trained, cached = model._load_or_train(nlu, cache_dir)
    assert not cached
    assert [p.name.startswith("safeguarding-") for p in cache_dir.iterdir()] == [True]
    loaded, cached = model._load_or_train(nlu, cache_dir)
    assert cached
    assert [(loaded.score(t), loaded.band(t)) for t in PROBES] == [(trained.score(t), trained.band(t)) for t in PROBES]


def test_other_training_data_is_another_model(tmp_path: Path) -> None:
    nlu = _copy_nlu(tmp_path)
    before = model.cache_key(nlu)
    path = nlu / "safeguarding" / "nl.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("    - ", "    - echt ", 1), encoding="utf-8")
    assert model.cache_key(nlu) != before


def test_a_damaged_file_is_trained_again_and_replaced(tmp_path: Path) -> None:
    nlu, cache_dir = _copy_nlu(tmp_path), tmp_path / "cache"
    cache_dir.mkdir(mode=0o700)
    damaged = cache_dir / f"safeguarding-{model.cache_key(nlu)}.pickle"
    damaged.write_bytes(b"not a pickle")
    damaged.chmod(0o600)
    _, cached = model._load_or_train(nlu, cache_dir)
    assert not cached
    assert damaged.stat().st_size > 1000
    _, cached = model._load_or_train(nlu, cache_dir)
    assert cached
