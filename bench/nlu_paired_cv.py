"""Did a data change cost the lines that were already there? Cross-validation with the folds held still.

`werkhelpdesk nlu evaluate` and `bench/nlu_nodes_cv.py` draw stratified folds over all rows: one added line
reshuffles the folds of every row, and new lines are themselves scored. Compared per seed, two versions of
`nlu/` then differ by about ±0.01 macro-F1 before anything was learned (bench/README.md). Here the rows both
versions hold keep the fold the BEFORE version's stratified split gives them; rows only AFTER has go to the
folds in turn. Per seed and language it prints, on the shared rows, the errors and macro-F1 before → after,
and how many of the new rows were right when held out.

    git archive <rev> nlu | tar -x -C /tmp/before     # the version to compare with
    nice -n 10 .venv/bin/python bench/nlu_paired_cv.py /tmp/before/nlu nlu --seeds 13 42
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from sklearn.metrics import f1_score

from bot.nlu.data import OPENER, Example, load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.evaluate import folds_for

FOLDS = 5
Key = tuple[str, str, str]


def key(example: Example) -> Key:
    return example.language, example.intent, example.text


def split(nlu_dir: Path) -> tuple[list[Example], list[Example]]:
    """(the openings, in every training part; the rows that are scored), as `nlu evaluate` splits them."""
    examples = load_training(nlu_dir)
    return [e for e in examples if e.intent == OPENER], [e for e in examples if e.intent != OPENER]


def predict(openers: Sequence[Example], rows: Sequence[Example], fold_of: Sequence[int]) -> list[str]:
    predicted = [""] * len(rows)
    for fold in range(FOLDS):
        held = [i for i, f in enumerate(fold_of) if f == fold]
        model = EmbeddedClassifier.train([r for r, f in zip(rows, fold_of, strict=True) if f != fold] + [*openers])
        for i, intent in zip(held, model.predict_many([rows[i].text for i in held]), strict=True):
            predicted[i] = intent
    return predicted


def folds(before: Sequence[Example], after: Sequence[Example], seed: int) -> tuple[list[int], list[int]]:
    """The BEFORE rows' stratified folds, and the AFTER rows' folds: the same for shared rows, in turn for new."""
    fold_before = [0] * len(before)
    for fold, (_, held) in enumerate(folds_for(before, FOLDS, seed)):
        for i in held:
            fold_before[i] = fold
    of_key = {key(e): f for e, f in zip(before, fold_before, strict=True)}
    fold_after, new = [], 0
    for e in after:
        if key(e) in of_key:
            fold_after.append(of_key[key(e)])
        else:
            fold_after.append(new % FOLDS)
            new += 1
    return fold_before, fold_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    args = parser.parse_args()
    openers_before, before = split(args.before)
    openers_after, after = split(args.after)
    shared = {key(e) for e in before} & {key(e) for e in after}
    for seed in args.seeds:
        fold_before, fold_after = folds(before, after, seed)
        guess_before = predict(openers_before, before, fold_before)
        guess_after = predict(openers_after, after, fold_after)
        for language in sorted({e.language for e in before}):
            old_b = [i for i, e in enumerate(before) if e.language == language and key(e) in shared]
            old_a = [i for i, e in enumerate(after) if e.language == language and key(e) in shared]
            new_a = [i for i, e in enumerate(after) if e.language == language and key(e) not in shared]
            labels = sorted({before[i].intent for i in old_b})
            truth_b, truth_a = [before[i].intent for i in old_b], [after[i].intent for i in old_a]
            got_b, got_a = [guess_before[i] for i in old_b], [guess_after[i] for i in old_a]
            f1_b = f1_score(truth_b, got_b, labels=labels, average="macro", zero_division=0)
            f1_a = f1_score(truth_a, got_a, labels=labels, average="macro", zero_division=0)
            errors_b = sum(t != g for t, g in zip(truth_b, got_b, strict=True))
            errors_a = sum(t != g for t, g in zip(truth_a, got_a, strict=True))
            right_new = sum(guess_after[i] == after[i].intent for i in new_a)
            print(
                f"seed {seed} {language}: {len(old_b)} shared rows, errors {errors_b} -> {errors_a}, "
                f"macro-F1 {f1_b:.3f} -> {f1_a:.3f}; new rows {right_new}/{len(new_a)} right",
                flush=True,
            )


if __name__ == "__main__":
    main()
