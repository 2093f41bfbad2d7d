"""Local models with CTranslate2: OPUS-MT (Marian) pairs or NLLB-200, converted beforehand into
TRANSLATOR_MODEL_DIR. Loaded once at start-up; every translation runs in a thread of its own executor
so the event loop never waits for the model. Nothing is downloaded."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.translate.models import NLLB_CODES, ModelDir, Pair, find_pairs, route
from bot.translate.types import Translation, TranslationUnavailableError

log = logging.getLogger(__name__)

MAX_DECODING_LENGTH = 256  # tokens of one translated line: a chat message, not a document


@dataclass
class _Model:
    kind: str
    translator: Any  # ctranslate2.Translator (the package ships no type hints)
    source_spm: Any  # sentencepiece.SentencePieceProcessor
    target_spm: Any
    # OPUS-MT models with several target languages want the target's token first (en-ar: >>ara<<)
    source_prefix: tuple[str, ...] = ()

    def translate_lines(self, lines: list[str], source: str, target: str) -> list[str]:
        """Tokenise → translate → detokenise each non-empty line (the models were trained on sentences)."""
        todo = [i for i, line in enumerate(lines) if line.strip()]
        if not todo:
            return list(lines)
        batch = [self._source_tokens(lines[i], source) for i in todo]
        prefix = [[NLLB_CODES[target]] for _ in todo] if self.kind == "nllb" else None
        results = self.translator.translate_batch(
            batch, target_prefix=prefix, beam_size=2, max_decoding_length=MAX_DECODING_LENGTH
        )
        out = list(lines)
        for i, result in zip(todo, results, strict=True):
            tokens = list(result.hypotheses[0])
            if self.kind == "nllb" and tokens and tokens[0] == NLLB_CODES[target]:
                tokens = tokens[1:]
            out[i] = self.target_spm.decode(tokens)
        return out

    def _source_tokens(self, line: str, source: str) -> list[str]:
        pieces: list[str] = self.source_spm.encode(line.strip(), out_type=str)
        if self.kind == "nllb":
            return [NLLB_CODES[source], *pieces, "</s>"]
        return [*self.source_prefix, *pieces, "</s>"]  # converted Transformers models do not add </s> themselves


def _load(model_dir: ModelDir, threads: int) -> _Model:
    import ctranslate2
    import sentencepiece

    translator = ctranslate2.Translator(str(model_dir.path), device="cpu", inter_threads=1, intra_threads=threads)
    if model_dir.kind == "nllb":
        spm = sentencepiece.SentencePieceProcessor(model_file=str(model_dir.path / "sentencepiece.bpe.model"))
        return _Model("nllb", translator, spm, spm)
    source = sentencepiece.SentencePieceProcessor(model_file=str(model_dir.path / "source.spm"))
    target = sentencepiece.SentencePieceProcessor(model_file=str(model_dir.path / "target.spm"))
    prefix_file = model_dir.path / "source_prefix.txt"
    prefix = tuple(prefix_file.read_text().split()) if prefix_file.is_file() else ()
    return _Model("marian", translator, source, target, prefix)


class CTranslate2Translator:
    """One executor thread runs the models, one request after the other: CTranslate2 uses `threads`
    cores inside each request, and the rest of the machine stays for the bot."""

    name = "ctranslate2"

    def __init__(self, pairs: dict[Pair, ModelDir], models: dict[Path, _Model], limit_seconds: float) -> None:
        self._pairs = pairs
        self._models = models
        self._timeout = limit_seconds
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ctranslate2")

    @classmethod
    async def open(cls, root: Path, limit_seconds: float, *, threads: int | None = None) -> CTranslate2Translator:
        """Load every model under `root` once (in a thread: loading takes seconds)."""
        pairs = find_pairs(root)
        threads = threads or max(1, min(4, (os.cpu_count() or 2) // 2))
        loop = asyncio.get_running_loop()
        models: dict[Path, _Model] = {}
        for model_dir in {m.path: m for m in pairs.values()}.values():
            models[model_dir.path] = await loop.run_in_executor(None, _load, model_dir, threads)
        log.info("CTranslate2: %d models loaded for %d language pairs", len(models), len(pairs))
        return cls(pairs, models, limit_seconds)

    def pairs(self) -> list[Pair]:
        """The pairs with a model of their own (pivots through English not counted)."""
        return sorted(self._pairs)

    @property
    def models_loaded(self) -> int:
        return len(self._models)

    async def translate(self, text: str, source: str, target: str) -> Translation:
        steps = route(self._pairs, source, target)
        if steps is None:
            raise TranslationUnavailableError("unsupported_pair", f"{source}-{target}")
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self._executor, self._run, text, steps)
        try:
            translated = await asyncio.wait_for(work, self._timeout)
        except TimeoutError as exc:
            # The thread finishes its request and its answer is dropped; the caller already heard "timeout".
            raise TranslationUnavailableError("timeout") from exc
        except Exception as exc:  # the model failed (out of memory, a broken file); its message may quote the text
            raise TranslationUnavailableError("provider_error", type(exc).__name__) from exc
        provider = self.name if len(steps) == 1 else f"{self.name} (via {steps[0][1]})"
        return Translation(translated, provider, source, target)

    def _run(self, text: str, steps: list[Pair]) -> str:
        lines = text.split("\n")
        for source, target in steps:
            lines = self._models[self._pairs[(source, target)].path].translate_lines(lines, source, target)
        return "\n".join(lines)

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
