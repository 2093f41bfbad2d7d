"""`werkhelpdesk nlu evaluate`, safeguarding part: recall per language and category and false alarms, for
the recogniser as the bot runs it (patterns OR the learned model, bot/safeguarding/model.py).

- Cross-validated: the training data (nlu/safeguarding/*.yml, heldout/*.yml and nlu/data as negatives)
  in FOLDS folds; each fold is scored by a model trained without it, its thresholds chosen by an inner
  cross-validation of that training part only. The patterns were written from this data, so their share
  of the recall here is optimistic; the model-alone column is not.
- Unseen: nlu/safeguarding/unseen/*.yml, never trained on and never used to write patterns, scored by
  the model trained on all the training data. This is the figure that counts.

Recall counts a disclosure as caught when any category fires (every category opens an urgent case
with a human); `right_category` is the share that got the right category as well."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bot.safeguarding import data
from bot.safeguarding.model import FOLDS, SafeguardingModel, Training, fold_of, load_data, train
from bot.safeguarding.recognise import CATEGORIES, patterns_only

LANGUAGES = ("ar", "en", "nl", "ti")


@dataclass(frozen=True)
class Cell:
    examples: int
    caught: int
    right_category: int
    model_alone: int = 0  # caught by the model, whatever the patterns say
    patterns_alone: int = 0  # caught by the patterns, whatever the model says
    asked: int = 0  # not caught, but in the middle band: the bot asks "Are you safe right now?"

    @property
    def recall(self) -> float:
        return self.caught / self.examples if self.examples else 1.0


@dataclass(frozen=True)
class SetReport:
    name: str
    cells: dict[str, dict[str, Cell]]  # language -> category -> cell
    hard_negatives: dict[str, tuple[int, int]]  # language -> (false alarms, examples) on `none`
    ordinary: dict[str, tuple[int, int]] = field(default_factory=dict)  # language -> on nlu/data
    asked_hard: dict[str, int] = field(default_factory=dict)  # language -> asked among the `none`
    asked_ordinary: dict[str, int] = field(default_factory=dict)  # language -> asked among nlu/data

    def share(self, language: str, attribute: str) -> float:
        """The share of the language's examples counted in `attribute` of the cells."""
        cells = self.cells.get(language, {}).values()
        total = sum(c.examples for c in cells)
        return sum(getattr(c, attribute) for c in cells) / total if total else 1.0

    def recall(self, language: str) -> float:
        return self.share(language, "caught")

    def recall_with_asked(self, language: str) -> float:
        return self.share(language, "caught") + self.share(language, "asked")

    def patterns_recall(self, language: str) -> float:
        return self.share(language, "patterns_alone")


@dataclass(frozen=True)
class Report:
    sets: list[SetReport]
    thresholds: dict[str, float]  # of the model trained on all the training data

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """What the recogniser said about one text: the category (or None), which half said it, and whether
    the bot asks "Are you safe right now?" (no category, the middle band)."""

    category: str | None
    patterns: bool
    model: bool
    asked: bool = False


def judge(model: SafeguardingModel, text: str) -> Verdict:
    patterns = patterns_only(text)
    band = model.band(text)
    found = model.category(text) if patterns is None and band == "alarm" else patterns
    return Verdict(found, patterns is not None, band == "alarm", found is None and band == "ask")


def score(
    name: str,
    examples: Sequence[data.Example],
    verdicts: Sequence[Verdict],
    ordinary: Sequence[tuple[str, Verdict]] = (),
) -> SetReport:
    cells: dict[str, dict[str, Cell]] = {}
    negatives: dict[str, tuple[int, int]] = {}
    asked_hard: dict[str, int] = {}
    pairs = list(zip(examples, verdicts, strict=True))
    for language in sorted({e.language for e in examples}):
        of_language = [(e, v) for e, v in pairs if e.language == language]
        cells[language] = {}
        for category in CATEGORIES:
            rows = [v for e, v in of_language if e.category == category]
            if rows:
                cells[language][category] = Cell(
                    len(rows),
                    sum(v.category is not None for v in rows),
                    sum(v.category == category for v in rows),
                    sum(v.model for v in rows),
                    sum(v.patterns for v in rows),
                    sum(v.asked for v in rows),
                )
        none = [v for e, v in of_language if e.category == data.NONE]
        negatives[language] = (sum(v.category is not None for v in none), len(none))
        asked_hard[language] = sum(v.asked for v in none)
    alarms: dict[str, tuple[int, int]] = {}
    asked: dict[str, int] = {}
    for language, verdict in ordinary:
        a, n = alarms.get(language, (0, 0))
        alarms[language] = (a + (verdict.category is not None), n + 1)
        asked[language] = asked.get(language, 0) + verdict.asked
    return SetReport(name, cells, negatives, dict(sorted(alarms.items())), asked_hard, dict(sorted(asked.items())))


def cross_validate(
    safeguarding: Sequence[data.Example],
    ordinary: Sequence[tuple[str, str]],
    folds: int = FOLDS,
    by_round: bool = False,
) -> SetReport:
    """Every training text judged by a model (and thresholds) trained without its fold; `ordinary` are
    the (language, text) of the ordinary intents' examples. `by_round`: a disclosure's fold is its
    round (the file it was written in, all languages together), so each round is judged by a model that
    never saw that round's phrasings: closer to unseen messages than random folds."""
    training = Training.build(safeguarding, ordinary)
    fold = fold_of(training, folds)
    if by_round:
        rounds = sorted({e.source for e in safeguarding})
        fold[: len(safeguarding)] = [rounds.index(e.source) for e in safeguarding]
        fold[len(safeguarding) :] %= len(rounds)
        folds = len(rounds)
    verdicts: list[Verdict | None] = [None] * len(training.texts)
    for k in range(folds):
        model = train(training.subset(np.flatnonzero(fold != k)))
        for i in np.flatnonzero(fold == k):
            verdicts[i] = judge(model, training.texts[i])
    done = [v for v in verdicts if v is not None]
    n = len(safeguarding)
    return score(
        f"cross-validated, {folds} folds (training data: nlu/safeguarding/*.yml, heldout/, nlu/data)",
        safeguarding,
        done[:n],
        [(language, v) for (language, _), v in zip(ordinary, done[n:], strict=True)],
    )


def evaluate(nlu_dir: Path, folds: int = FOLDS) -> Report:
    safeguarding, ordinary = load_data(nlu_dir)
    model = train(Training.build(safeguarding, ordinary))
    sets = [cross_validate(safeguarding, ordinary, folds)]
    # One report per unseen set: set A is <lang>.yml, set B <lang>_b.yml, and so on.
    for name, unseen in unseen_sets(nlu_dir / "safeguarding" / "unseen"):
        sets.append(score(f"{name}, never trained on", unseen, [judge(model, e.text) for e in unseen]))
    return Report(sets, model.thresholds)


def unseen_sets(directory: Path) -> list[tuple[str, list[data.Example]]]:
    """One set per file name part: set A is <lang>.yml, set B <lang>_b.yml, set C <lang>_c.yml..."""
    files = sorted(directory.glob("*.yml"))
    return [
        (
            f"unseen set {(part or 'a').upper()} (nlu/safeguarding/unseen/<lang>{'_' + part if part else ''}.yml)",
            data.load_files(p for p in files if p.stem.partition("_")[2] == part),
        )
        for part in sorted({p.stem.partition("_")[2] for p in files})
    ]


def format_report(report: Report) -> str:
    lines = [
        "",
        "Safeguarding recognition: patterns OR model (recall first: any category counts as caught; "
        "cells: recall (right category/examples))",
    ]
    for part in report.sets:
        header = f"{'lang':<5} {'recall':>6} {'+asked':>6} {'model':>6} {'patt.':>6} {'cat':>5}  "
        lines += ["", part.name, header + "  ".join(f"{c[:12]:>12}" for c in CATEGORIES)]
        for language, cells in part.cells.items():
            row = "  ".join(
                f"{cells[c].recall:>5.2f} ({cells[c].right_category:>2}/{cells[c].examples:>2})"
                if c in cells
                else f"{'-':>12}"
                for c in CATEGORIES
            )
            lines.append(
                f"{language:<5} {part.recall(language):>6.3f} {part.recall_with_asked(language):>6.3f} "
                f"{part.share(language, 'model_alone'):>6.3f} "
                f"{part.patterns_recall(language):>6.3f} {part.share(language, 'right_category'):>5.2f}  {row}"
            )
        languages = list(part.cells)
        with_asked = "; ".join(
            f"{c} "
            + "/".join(
                f"{(cells[c].caught + cells[c].asked) / cells[c].examples:.2f}" if c in cells else "-"
                for cells in part.cells.values()
            )
            for c in CATEGORIES
        )
        lines.append(f"recall counting the asked, per category ({'/'.join(languages)}): {with_asked}")
        hard = ", ".join(f"{lang} {a}/{n}" for lang, (a, n) in part.hard_negatives.items())
        lines.append(f"false alarms on the hard negatives (none): {hard}")
        asked_hard = ", ".join(f"{lang} {a}/{part.hard_negatives[lang][1]}" for lang, a in part.asked_hard.items())
        lines.append(f"asked 'are you safe?' on the hard negatives (none): {asked_hard}")
        if part.ordinary:
            ordinary = ", ".join(f"{lang} {a}/{n} ({a / n:.2%})" for lang, (a, n) in part.ordinary.items() if n)
            alarms = sum(a for a, _ in part.ordinary.values())
            total = sum(n for _, n in part.ordinary.values()) or 1
            lines.append(f"false alarms on the ordinary intents (nlu/data): {ordinary}; all {alarms / total:.2%}")
            asked = ", ".join(
                f"{lang} {a}/{part.ordinary[lang][1]} ({a / part.ordinary[lang][1]:.2%})"
                for lang, a in part.asked_ordinary.items()
                if part.ordinary[lang][1]
            )
            lines.append(f"asked 'are you safe?' on the ordinary intents (nlu/data): {asked}")
    thresholds = ", ".join(f"{k or 'undetected'} {v:.1f}" for k, v in sorted(report.thresholds.items()))
    lines += ["", f"model thresholds per detected language (from cross-validation): {thresholds}"]
    return "\n".join(lines)
