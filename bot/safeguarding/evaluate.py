"""`werkhelpdesk nlu evaluate`, safeguarding part: recall per language and category, on the
development data and on the held-out data, and the false-alarm rate on the ordinary intents' data.

Recall counts a disclosure as caught when any category fires (every category opens an urgent case
with a human); `category` is the share that got the right category as well."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.nlu.data import load_examples
from bot.safeguarding import data
from bot.safeguarding.recognise import CATEGORIES, recognise

Recogniser = Callable[[str], str | None]


@dataclass(frozen=True)
class Cell:
    examples: int
    caught: int
    right_category: int

    @property
    def recall(self) -> float:
        return self.caught / self.examples if self.examples else 1.0


@dataclass(frozen=True)
class SetReport:
    name: str
    cells: dict[str, dict[str, Cell]]  # language -> category -> cell
    hard_negatives: dict[str, tuple[int, int]]  # language -> (false alarms, examples)

    def recall(self, language: str) -> float:
        cells = self.cells.get(language, {}).values()
        total = sum(c.examples for c in cells)
        return sum(c.caught for c in cells) / total if total else 1.0


@dataclass(frozen=True)
class Report:
    sets: list[SetReport]
    ordinary: dict[str, tuple[int, int]]  # language -> (false alarms, examples) on nlu/data

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def score(examples: Sequence[data.Example], name: str, recogniser: Recogniser = recognise) -> SetReport:
    cells: dict[str, dict[str, Cell]] = {}
    negatives: dict[str, tuple[int, int]] = {}
    for language in sorted({e.language for e in examples}):
        of_language = [e for e in examples if e.language == language]
        found = [(e, recogniser(e.text)) for e in of_language]
        cells[language] = {}
        for category in CATEGORIES:
            rows = [(e, f) for e, f in found if e.category == category]
            if rows:
                cells[language][category] = Cell(
                    len(rows), sum(f is not None for _, f in rows), sum(f == category for _, f in rows)
                )
        none = [f for e, f in found if e.category == data.NONE]
        negatives[language] = (sum(f is not None for f in none), len(none))
    return SetReport(name, cells, negatives)


def evaluate(nlu_dir: Path, recogniser: Recogniser = recognise) -> Report:
    root = nlu_dir / "safeguarding"
    sets = [
        score(data.load(root), "development (nlu/safeguarding/*.yml)", recogniser),
        score(data.load(root / "heldout"), "held-out (nlu/safeguarding/heldout/*.yml)", recogniser),
    ]
    ordinary: dict[str, tuple[int, int]] = {}
    for example in load_examples(nlu_dir / "data"):
        alarms, total = ordinary.get(example.language, (0, 0))
        ordinary[example.language] = (alarms + (recogniser(example.text) is not None), total + 1)
    return Report(sets, ordinary)


def format_report(report: Report) -> str:
    lines = ["", "Safeguarding recognition (recall first: any category counts as caught; cat = right category)"]
    for part in report.sets:
        lines += ["", part.name, f"{'lang':<5} {'recall':>7}  " + "  ".join(f"{c[:12]:>12}" for c in CATEGORIES)]
        for language, cells in part.cells.items():
            row = "  ".join(
                f"{cells[c].recall:>5.2f} ({cells[c].right_category:>2}/{cells[c].examples:>2})"
                if c in cells
                else f"{'-':>12}"
                for c in CATEGORIES
            )
            lines.append(f"{language:<5} {part.recall(language):>7.3f}  {row}")
        hard = ", ".join(f"{lang} {a}/{n}" for lang, (a, n) in part.hard_negatives.items())
        lines.append(f"false alarms on the hard negatives: {hard}")
    ordinary = ", ".join(f"{lang} {a}/{n} ({a / n:.2%})" for lang, (a, n) in sorted(report.ordinary.items()) if n)
    total_alarms = sum(a for a, _ in report.ordinary.values())
    total = sum(n for _, n in report.ordinary.values()) or 1
    lines += ["", f"false alarms on the ordinary intents (nlu/data): {ordinary}; all {total_alarms / total:.2%}"]
    return "\n".join(lines)
