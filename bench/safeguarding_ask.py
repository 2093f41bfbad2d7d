"""Safeguarding: the "Are you safe right now?" band calibrated on ordinary lines with openings in front as well
(round 15, 2026-12-05: tried and left; bench/README.md, Safeguarding). Held-out realistic messages are asked
twice as often as the 5% budget on nlu/data, because a longer message has more parts and its highest part
scores higher; this chooses the ask thresholds (and with --alarm the alarm thresholds too) on the cross-
validated scores of nlu/data plus a copy of each line with one or two openings in front (nlu/openers, greet
and thanks lines). Prints figures only, never a message of nlu/eval or nlu/safeguarding/unseen.

    .venv/bin/python bench/safeguarding_ask.py [--alarm]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safeguarding_followups as sf  # noqa: E402

from bot.nlu.data import load_examples  # noqa: E402
from bot.safeguarding import data  # noqa: E402
from bot.safeguarding import model as sg  # noqa: E402
from bot.safeguarding.evaluate import unseen_sets  # noqa: E402

SEPARATORS = (" ", ". ", ", ", "\n", "! ")


def openings(nlu_dir: Path) -> dict[str, list[str]]:
    found = {
        p.stem: [str(line) for line in yaml.safe_load(p.read_text(encoding="utf-8"))]
        for p in sorted((nlu_dir / "openers").glob("*.yml"))
    }
    for e in load_examples(nlu_dir / "data"):
        if e.intent in ("greet", "thanks"):
            found.setdefault(e.language, []).append(e.text)
    return found


def calibrated_train(pool: dict[str, list[str]], alarm: bool) -> Callable[..., sg.SafeguardingModel]:
    """sg.train, with thresholds chosen on the ordinary lines and their copies with openings in front."""
    original = sg.train

    def train(training: sg.Training, folds: int = sg.FOLDS) -> sg.SafeguardingModel:
        model = original(training, folds)
        rng = random.Random(11)
        vocabulary, size = model.vocabulary, len(model.vocabulary)
        rows = sg._rows(training.texts, vocabulary, grow=False)
        ordinary = np.flatnonzero(training.ordinary)
        copies = []
        for i in ordinary:
            lines = pool.get(training.language[i]) or [""]
            opening = rng.choice(lines)
            if rng.random() < 0.5:
                opening = f"{opening}{rng.choice(SEPARATORS)}{rng.choice(lines)}"
            copies.append(f"{opening}{rng.choice(SEPARATORS)}{training.texts[i]}")
        copy_rows = sg._rows(copies, vocabulary, grow=False)
        fold = sg.fold_of(training, folds)
        plain, opened = np.zeros(len(ordinary)), np.zeros(len(copies))
        whole = sg._WholeEntries.of(rows, training)
        for k in range(folds):
            weights = whole.fit(np.flatnonzero(fold != k), size)
            held = fold[ordinary] == k
            plain[held] = sg._text_scores(rows, weights, len(training.texts))[ordinary][held]
            opened[held] = sg._text_scores(copy_rows, weights, len(copies))[held]
        scores = np.concatenate([plain, opened])
        keys = [sg.language_key(training.texts[i]) for i in ordinary] + [sg.language_key(t) for t in copies]
        thresholds = sg.choose_thresholds(scores, keys) if alarm else model.thresholds
        ask = sg.choose_thresholds(scores, keys, sg.ASK_BUDGET)
        return sg.SafeguardingModel(vocabulary, model.weights, model.category_weights, thresholds, ask)

    return train


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarm", action="store_true", help="the alarm thresholds too, not only the ask band")
    args = parser.parse_args()
    nlu_dir = ROOT / "nlu"
    before = sf.Run([], "ordinary")
    sg.train = calibrated_train(openings(nlu_dir), args.alarm)
    after = sf.Run([], "ordinary")
    languages = sf.LANGUAGES
    header = "| | " + " | ".join(languages) + " |\n|---|" + "---|" * len(languages)
    counts_header = "| | " + " | ".join(languages) + " | n |\n|---|" + "---|" * (len(languages) + 1)
    print("Cross-validated recall, alarm / +asked (before → after)\n" + header)
    print(sf.recall_row("disclosures", before.tally("disclosures"), after.tally("disclosures")))
    print("\nAlarms / asked (before → after)\n" + counts_header)
    for group in ("ordinary", "hard negatives"):
        print(sf.counts_row(f"cross-validated: {group}", before.tally(group), after.tally(group)))
    for name, items in sf.held_out(nlu_dir).items():
        print(sf.counts_row(name, before.judge_all(items), after.judge_all(items)))
    print("\nUnseen sets: disclosures caught / +asked (before → after)\n" + counts_header)
    totals: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    for name, examples in unseen_sets(nlu_dir / "safeguarding" / "unseen"):
        items = [(e.language, e.text) for e in examples if e.category != data.NONE]
        b, a = before.judge_all(items), after.judge_all(items)
        cells = []
        for lang in languages:
            cells.append(
                f"{b[lang, 'alarm']}/{b[lang, 'alarm'] + b[lang, 'asked']} → "
                f"{a[lang, 'alarm']}/{a[lang, 'alarm'] + a[lang, 'asked']}"
            )
            for side, counts in (("before", b), ("after", a)):
                totals[side][lang + "+"] += counts[lang, "alarm"] + counts[lang, "asked"]
                totals[side][lang] += counts[lang, "n"]
        label = name.split(" (")[0].removeprefix("unseen set ")
        print(f"| {label} | " + " | ".join(cells) + " | " + "/".join(str(b[lang, "n"]) for lang in languages) + " |")
    print(
        "| all, +asked | "
        + " | ".join(
            f"{totals['before'][lang + '+'] / totals['before'][lang]:.3f} → "
            f"{totals['after'][lang + '+'] / totals['after'][lang]:.3f}"
            for lang in languages
        )
        + " | |"
    )


if __name__ == "__main__":
    main()
