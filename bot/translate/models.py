"""What TRANSLATOR_MODEL_DIR holds, read without loading anything: which language pairs have a model,
and the way from one language to another (direct, or through English)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path
from typing import Literal

PIVOT = "en"
# NLLB-200's codes for the bot's languages (FLORES-200).
NLLB_CODES = {"nl": "nld_Latn", "en": "eng_Latn", "ar": "arb_Arab", "ti": "tir_Ethi"}
_PAIR = re.compile(r"([a-z]{2,3})-([a-z]{2,3})")


@dataclass(frozen=True)
class ModelDir:
    """A converted model: `marian` (OPUS-MT, one pair, source.spm + target.spm) or `nllb` (one model for
    every pair of the bot's languages, sentencepiece.bpe.model)."""

    path: Path
    kind: Literal["marian", "nllb"]


Pair = tuple[str, str]


def find_pairs(root: Path) -> dict[Pair, ModelDir]:
    """Every pair a subdirectory of `root` serves. A pair's own OPUS-MT model wins over NLLB."""
    pairs: dict[Pair, ModelDir] = {}
    nllb: ModelDir | None = None
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (sub / "model.bin").is_file():
            continue
        if (sub / "sentencepiece.bpe.model").is_file():
            nllb = nllb or ModelDir(sub, "nllb")
            continue
        match = _PAIR.fullmatch(sub.name)
        if match and (sub / "source.spm").is_file() and (sub / "target.spm").is_file():
            pairs[(match[1], match[2])] = ModelDir(sub, "marian")
    if nllb is not None:
        for pair in permutations(NLLB_CODES, 2):
            pairs.setdefault(pair, nllb)
    return pairs


def route(pairs: dict[Pair, ModelDir], source: str, target: str) -> list[Pair] | None:
    """The models to run in turn: the direct pair, else through English (ti→en→nl); None when neither."""
    if (source, target) in pairs:
        return [(source, target)]
    if (source, PIVOT) in pairs and (PIVOT, target) in pairs:
        return [(source, PIVOT), (PIVOT, target)]
    return None
