"""Disclosures buried in a long message without punctuation, on cross-validated folds of the training
data (no unseen set is read): each held-out disclosure is appended to a held-out ordinary question of
five words or more from nlu/data ("<question> and <disclosure>", punctuation removed), and as many pairs
of ordinary questions are the look-alikes.

    .venv/bin/python bench/safeguarding_buried.py [--window 12]

Prints per language the share caught (alarm, and counting the "are you safe?" question) and, for the
ordinary pairs, the share alarmed and asked. `--window 0` turns the windows of words off (the "before").
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safeguarding import model as sg  # noqa: E402
from bot.safeguarding.evaluate import judge  # noqa: E402

CONNECTOR = {"en": "and", "nl": "en", "ar": "و", "ti": "ከምኡ"}
PUNCTUATION = re.compile(r"[.!?,;،؟።፣፧]")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=sg.WINDOW, help="words per window; 0: none")
    args = parser.parse_args()
    sg.WINDOW = args.window
    examples, ordinary = sg.load_data(ROOT / "nlu")  # as `werkhelpdesk nlu evaluate` reads it
    wall, cpu = time.perf_counter(), time.process_time()
    training = sg.Training.build(examples, ordinary)
    fold = sg.fold_of(training)
    n = len(examples)
    rng = np.random.default_rng(1)
    counts: dict[str, list[int]] = {}
    for k in range(sg.FOLDS):
        model = sg.train(training.subset(np.flatnonzero(fold != k)))
        held = np.flatnonzero(fold == k)
        for language, connector in CONNECTOR.items():
            questions = [i for i in held if i >= n and training.language[i] == language and len(training.texts[i].split()) >= 5]
            disclosures = [i for i in held if i < n and training.language[i] == language and training.positive[i]]
            row = counts.setdefault(language, [0, 0, 0, 0, 0, 0])
            for d in disclosures:
                q = questions[rng.integers(len(questions))]
                verdict = judge(model, PUNCTUATION.sub(" ", f"{training.texts[q]} {connector} {training.texts[d]}"))
                row[0] += 1
                row[1] += verdict.category is not None
                row[2] += verdict.category is not None or verdict.asked
            for _ in disclosures:
                a, b = (questions[rng.integers(len(questions))] for _ in range(2))
                verdict = judge(model, PUNCTUATION.sub(" ", f"{training.texts[a]} {connector} {training.texts[b]}"))
                row[3] += 1
                row[4] += verdict.category is not None
                row[5] += verdict.asked
    print(f"window {sg.WINDOW} words")
    print("lang  buried  alarm  +asked | ordinary pairs  alarm   asked")
    for language, (b, alarm, asked, pairs, false, question) in sorted(counts.items()):
        print(f"{language:<5} {b:>6}  {alarm / b:.3f}  {asked / b:.3f} | {pairs:>14}  {false / pairs:.2%}  {question / pairs:.2%}")
    print(f"\n{time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s cpu")


if __name__ == "__main__":
    main()
