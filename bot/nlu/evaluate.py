"""Cross-validated evaluation of the embedded classifier, per language (`werkhelpdesk nlu evaluate`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.model_selection import StratifiedKFold

from bot.nlu.data import Example
from bot.nlu.embedded import EmbeddedClassifier


@dataclass(frozen=True)
class LanguageReport:
    language: str
    examples: int
    accuracy: float
    macro_f1: float
    out_of_scope_recall: float | None
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (true, predicted, count)


@dataclass(frozen=True)
class Report:
    folds: int
    train_seconds: float
    languages: list[LanguageReport]

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def folds_for(examples: Sequence[Example], folds: int, seed: int = 13) -> list[tuple[list[int], list[int]]]:
    """Stratified by language and intent, so every fold has every language's intents."""
    strata = [f"{e.language}/{e.intent}" for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in splitter.split(list(range(len(examples))), strata)]


def cross_validate(examples: Sequence[Example], folds: int = 5) -> Report:
    predicted: list[str] = [""] * len(examples)
    train_time = 0.0
    for train_idx, test_idx in folds_for(examples, folds):
        started = time.perf_counter()
        model = EmbeddedClassifier.train([examples[i] for i in train_idx])
        train_time += time.perf_counter() - started
        for i, label in zip(test_idx, model.predict_many([examples[i].text for i in test_idx]), strict=True):
            predicted[i] = label
    reports = []
    for language in sorted({e.language for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.language == language]
        truth = [examples[i].intent for i in idx]
        guess = [predicted[i] for i in idx]
        labels = sorted(set(truth))
        oos = (
            float(recall_score(truth, guess, labels=["out_of_scope"], average="macro", zero_division=0))
            if "out_of_scope" in labels
            else None
        )
        confusions = Counter((t, g) for t, g in zip(truth, guess, strict=True) if t != g)
        reports.append(
            LanguageReport(
                language,
                len(idx),
                float(accuracy_score(truth, guess)),
                float(f1_score(truth, guess, labels=labels, average="macro", zero_division=0)),
                oos,
                [(t, g, n) for (t, g), n in confusions.most_common(5)],
            )
        )
    return Report(folds, train_time / folds, reports)


def format_report(report: Report) -> str:
    lines = [
        f"{report.folds}-fold stratified cross-validation; mean training time {report.train_seconds:.2f} s",
        "",
        f"{'lang':<5} {'examples':>8} {'accuracy':>9} {'macro-F1':>9} {'oos recall':>11}",
    ]
    for r in report.languages:
        oos = f"{r.out_of_scope_recall:.3f}" if r.out_of_scope_recall is not None else "-"
        lines.append(f"{r.language:<5} {r.examples:>8} {r.accuracy:>9.3f} {r.macro_f1:>9.3f} {oos:>11}")
    lines += ["", "worst confusions (true -> predicted: count):"]
    for r in report.languages:
        worst = ", ".join(f"{t} -> {g}: {n}" for t, g, n in r.confusions) or "none"
        lines.append(f"  {r.language}: {worst}")
    return "\n".join(lines)
