"""Cross-validated evaluation of the embedded classifier, per language (`werkhelpdesk nlu evaluate`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.model_selection import StratifiedKFold

from bot.nlu.data import OPENER, Example
from bot.nlu.embedded import OUT_OF_SCOPE, EmbeddedClassifier
from bot.settings import Settings

DEFAULT_THRESHOLD: float = Settings.model_fields["nlu_threshold"].default


@dataclass(frozen=True)
class LanguageReport:
    language: str
    examples: int
    accuracy: float
    macro_f1: float
    out_of_scope_recall: float | None
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (true, predicted, count)
    # With the dialog's threshold: the share of messages it would ask about instead of answering, the
    # accuracy on the messages it answers, and the share of out_of_scope messages it does not answer
    # with a work topic (recognised as out_of_scope, or below the threshold).
    unsure: float = 0.0
    answered_accuracy: float = 0.0
    out_of_scope_caught: float | None = None


@dataclass(frozen=True)
class Report:
    folds: int
    train_seconds: float
    languages: list[LanguageReport]
    threshold: float = DEFAULT_THRESHOLD

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def folds_for(examples: Sequence[Example], folds: int, seed: int = 13) -> list[tuple[list[int], list[int]]]:
    """Stratified by language and intent, so every fold has every language's intents."""
    strata = [f"{e.language}/{e.intent}" for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in splitter.split(list(range(len(examples))), strata)]


def cross_validate(examples: Sequence[Example], folds: int = 5, threshold: float = DEFAULT_THRESHOLD) -> Report:
    """Folds over the intent and node examples; the openings (nlu/openers) are in every training part."""
    openers = [e for e in examples if e.intent == OPENER]
    examples = [e for e in examples if e.intent != OPENER]
    predicted: list[tuple[str, float]] = [("", 0.0)] * len(examples)
    train_time = 0.0
    for train_idx, test_idx in folds_for(examples, folds):
        started = time.perf_counter()
        model = EmbeddedClassifier.train([examples[i] for i in train_idx] + openers)
        train_time += time.perf_counter() - started
        for i, scored in zip(test_idx, model.predict_scored([examples[i].text for i in test_idx]), strict=True):
            predicted[i] = scored
    reports = []
    for language in sorted({e.language for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.language == language]
        reports.append(_language_report(language, [examples[i] for i in idx], [predicted[i] for i in idx], threshold))
    return Report(folds, train_time / folds, reports, threshold)


def _language_report(
    language: str, examples: Sequence[Example], predicted: Sequence[tuple[str, float]], threshold: float
) -> LanguageReport:
    truth = [e.intent for e in examples]
    guess = [intent for intent, _ in predicted]
    labels = sorted(set(truth))
    oos = (
        float(recall_score(truth, guess, labels=[OUT_OF_SCOPE], average="macro", zero_division=0))
        if OUT_OF_SCOPE in labels
        else None
    )
    answered = [(t, g) for t, (g, c) in zip(truth, predicted, strict=True) if c >= threshold]
    oos_rows = [(g, c) for t, (g, c) in zip(truth, predicted, strict=True) if t == OUT_OF_SCOPE]
    caught = sum(1 for g, c in oos_rows if g == OUT_OF_SCOPE or c < threshold) / len(oos_rows) if oos_rows else None
    confusions = Counter((t, g) for t, g in zip(truth, guess, strict=True) if t != g)
    return LanguageReport(
        language,
        len(examples),
        float(accuracy_score(truth, guess)),
        float(f1_score(truth, guess, labels=labels, average="macro", zero_division=0)),
        oos,
        [(t, g, n) for (t, g), n in confusions.most_common(5)],
        unsure=1 - len(answered) / len(truth),
        answered_accuracy=sum(t == g for t, g in answered) / len(answered) if answered else 0.0,
        out_of_scope_caught=caught,
    )


def format_report(report: Report) -> str:
    lines = [
        f"{report.folds}-fold stratified cross-validation; mean training time {report.train_seconds:.2f} s",
        "",
        f"{'lang':<5} {'examples':>8} {'accuracy':>9} {'macro-F1':>9} {'oos recall':>11}"
        f" {'unsure':>7} {'answered acc':>13} {'oos caught':>11}",
    ]
    for r in report.languages:
        oos = f"{r.out_of_scope_recall:.3f}" if r.out_of_scope_recall is not None else "-"
        caught = f"{r.out_of_scope_caught:.3f}" if r.out_of_scope_caught is not None else "-"
        lines.append(
            f"{r.language:<5} {r.examples:>8} {r.accuracy:>9.3f} {r.macro_f1:>9.3f} {oos:>11}"
            f" {r.unsure:>7.3f} {r.answered_accuracy:>13.3f} {caught:>11}"
        )
    lines += [
        "",
        f"unsure: share below the confidence threshold {report.threshold:.2f} (the bot asks instead of answering);",
        "answered acc: accuracy on the rest; oos caught: out_of_scope predicted, or below the threshold.",
        "",
        "worst confusions (true -> predicted: count):",
    ]
    for r in report.languages:
        worst = ", ".join(f"{t} -> {g}: {n}" for t, g, n in r.confusions) or "none"
        lines.append(f"  {r.language}: {worst}")
    return "\n".join(lines)
