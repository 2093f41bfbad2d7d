"""Cross-validated node recognition on the training data, per language (issue 21, item 4).

The realistic files measure node right and overreach on held-out messages; this measures the same two figures
on `nlu/nodes` itself, so changes to the node data or to the node decision can be chosen without looking at an
evaluation file. Folds as `werkhelpdesk nlu evaluate` (stratified by language and intent over `nlu/data` +
`nlu/nodes`; the openings are in every training part); each held-out node question is parsed as the bot parses
it. Per language:

- node right: of the held-out specific questions (node other than `start`), confident (>= the threshold), the
  right intent and the right node;
- overreach: of the held-out general questions (node `start`) answered confidently with the right intent,
  the share given a specific node instead of the topic's opening (as bot/nlu/realistic.py counts it);
- macro-F1 of the intent over all held-out examples (as `werkhelpdesk nlu evaluate`).

Node decisions other than the bot's (`--similarity`, `--margin`) are scored on the same models: the
similarities to every node centroid of the recognised intent are recorded while the bot's own decision runs.

    nice -n 10 .venv/bin/python bench/nlu_nodes_cv.py --seeds 13 7 42 --similarity 0.15 0.2 --margin 0 0.05
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from bot.nlu import embedded
from bot.nlu.data import OPENER, Example, load_training
from bot.nlu.embedded import EmbeddedClassifier, NodeIndex
from bot.nlu.evaluate import DEFAULT_THRESHOLD, folds_for

ROOT = Path(__file__).resolve().parent.parent
START = "start"


@dataclass(frozen=True)
class Parsed:
    """One held-out node question as the bot parsed it, with the similarities behind its node decision."""

    example: Example
    intent: str
    confidence: float
    similarities: tuple[tuple[str, float], ...]  # (node, cosine) per centroid of the recognised intent


def similarities(index: NodeIndex, intent: str, indices: Any, values: Any) -> tuple[tuple[str, float], ...]:
    """The cosines `NodeIndex.find` compares, per centroid of the intent."""
    found = index.similarities(intent, indices, values)
    if found is None:
        return ()
    nodes, cosine = found
    return tuple((str(n), float(s)) for n, s in zip(nodes, cosine, strict=True))


def decide(sims: Sequence[tuple[str, float]], similarity: float, margin: float) -> str | None:
    """A node decision: the best specific node if it reaches `similarity` and beats the best `start` centroid by
    more than `margin` (margin 0 and the bot's threshold is the bot's own rule: the nearest centroid wins)."""
    specific = [(s, n) for n, s in sims if n != START]
    if not specific:
        return None
    best, node = max(specific)
    start = max((s for n, s in sims if n == START), default=-1.0)
    if best < similarity or best - start <= margin:
        return None
    return node


def expected(parsed: Parsed) -> str | None:
    """The node decision that answers the question right: None (the opening) for a general question."""
    return None if parsed.example.node == START else parsed.example.node


@contextmanager
def recording() -> Iterator[list[tuple[tuple[str, float], ...]]]:
    """Record the similarities of every `NodeIndex.find` call while the bot's own code runs."""
    seen: list[tuple[tuple[str, float], ...]] = []
    original = NodeIndex.find

    def find(self: NodeIndex, intent: str, indices: Any, values: Any) -> str | None:
        seen.append(similarities(self, intent, indices, values))
        return original(self, intent, indices, values)

    NodeIndex.find = find  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        NodeIndex.find = original  # type: ignore[method-assign]


def run_seed(examples: Sequence[Example], folds: int, seed: int) -> tuple[list[Parsed], dict[int, str], float]:
    openers = [e for e in examples if e.intent == OPENER]
    rows = [e for e in examples if e.intent != OPENER]
    parsed: list[Parsed] = []
    intents: dict[int, str] = {}
    cpu = time.process_time()
    for train_idx, test_idx in folds_for(rows, folds, seed):
        model = EmbeddedClassifier.train([rows[i] for i in train_idx] + openers)
        for i, (intent, _) in zip(test_idx, model.predict_scored([rows[i].text for i in test_idx]), strict=True):
            intents[i] = intent
        for i in test_idx:
            if rows[i].node is None:
                continue
            with recording() as seen:
                result = model.predict(rows[i].text)
            parsed.append(Parsed(rows[i], result.intent, result.confidence, seen[-1] if seen else ()))
    return parsed, intents, time.process_time() - cpu


def scores(parsed: Sequence[Parsed], language: str, threshold: float, similarity: float, margin: float) -> str:
    mine = [p for p in parsed if p.example.language == language]
    specific = [p for p in mine if p.example.node != START]
    right = sum(
        p.confidence >= threshold
        and p.intent == p.example.intent
        and decide(p.similarities, similarity, margin) == p.example.node
        for p in specific
    )
    general = [
        p for p in mine if p.example.node == START and p.confidence >= threshold and p.intent == p.example.intent
    ]
    over = sum(decide(p.similarities, similarity, margin) is not None for p in general)
    starts = sum(p.example.node == START for p in mine)
    return (
        f"node right {right / len(specific):.3f} ({right}/{len(specific)})  "
        f"overreach {over / len(general) if general else 0.0:.3f} ({over}/{len(general)} of {starts} general)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nlu", type=Path, default=ROOT / "nlu")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--similarity", type=float, nargs="+", default=[embedded.NODE_SIMILARITY])
    parser.add_argument("--margin", type=float, nargs="+", default=[0.0])
    parser.add_argument("--misses", action="store_true", help="also print intent confusions and node misses")
    args = parser.parse_args()
    examples = load_training(args.nlu)
    rows = [e for e in examples if e.intent != OPENER]
    languages = sorted({e.language for e in rows})
    for seed in args.seeds:
        parsed, intents, cpu = run_seed(examples, args.folds, seed)
        print(f"seed {seed}: {args.folds} folds, {len(rows)} examples, {len(parsed)} node questions, {cpu:.0f} s CPU")
        for language in languages:
            idx = [i for i, e in enumerate(rows) if e.language == language]
            truth = [rows[i].intent for i in idx]
            f1 = f1_score(truth, [intents[i] for i in idx], labels=sorted(set(truth)), average="macro", zero_division=0)
            print(f"  {language}  macro-F1 {f1:.3f}")
            if args.misses:
                confused = Counter((rows[i].intent, intents[i]) for i in idx if rows[i].intent != intents[i])
                print("      confusions: " + ", ".join(f"{t} -> {g}: {n}" for (t, g), n in confused.most_common(8)))
                for p in parsed:
                    node = decide(p.similarities, args.similarity[0], args.margin[0])
                    if p.example.language == language and p.intent == p.example.intent and node != expected(p):
                        want = p.example.node if p.example.node != START else "-"
                        print(f"      node miss: {p.example.text[:60]!r} {p.intent}.{want} -> {node or '-'}")
            for similarity in args.similarity:
                for margin in args.margin:
                    line = scores(parsed, language, args.threshold, similarity, margin)
                    print(f"      similarity {similarity:.2f} margin {margin:.2f}: {line}")


if __name__ == "__main__":
    main()
