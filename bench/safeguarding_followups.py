"""Safeguarding: ordinary short follow-ups (nlu/followups) and node questions (nlu/nodes) as extra negatives
of the model, against the model as it is (Round 15, 2026-12-05: tried and left; bench/README.md,
Safeguarding). Prints figures only, never a message of nlu/eval or nlu/safeguarding/unseen.

    .venv/bin/python bench/safeguarding_followups.py [--with followups nodes] [--as none|ordinary]
                                                     [--weight 1.0] [--seed N] [--unseen]

- `--as none`: the lines are negatives like the `none` hard negatives, outside the population the thresholds
  are chosen on (nlu/data); `--as ordinary`: they join nlu/data, thresholds included.
- `--weight`: each extra line weighs this much of an nlu/data line of its language (`balance`).
- `--seed`: one fold split with this salt instead of the bot's `FOLD_SEEDS` (whose thresholds it averages);
  the thresholds come from the cross-validated scores, so single splits show how much of a difference is noise.
- `--unseen`: also the unseen sets A-F (figures only). Choose with the rest; use the unseen sets for the
  keep/leave decision only.

Tables: cross-validated recall (alarm / +asked) and alarms/asked on nlu/data, the hard negatives and the
extra lines; the model trained on everything: alarms/asked on the held-out follow-ups
(nlu/eval/followups*.yml) and realistic messages (nlu/eval/realistic*.yml, all but `problem`), and the
probes below (found by hand after the diploma answer)."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.data import load_node_examples  # noqa: E402
from bot.safeguarding import data  # noqa: E402
from bot.safeguarding import model as sg  # noqa: E402
from bot.safeguarding.evaluate import Verdict, judge, unseen_sets  # noqa: E402

LANGUAGES = ("ar", "en", "nl", "ti")
# Nodes whose lines (in nlu/followups and nlu/nodes) disclose something: never negatives.
EXCLUDED_NODES = {
    ("employment_contract", "problem"): "unpaid wages, a kept passport, 14-hour days, threats: exploitation",
    ("work_culture", "discrimination"): "racist remarks, treated differently for religion or skin: harassment",
    ("employment_contract", "wage"): "'they pay me 9-10 euro an hour, is that ok': below the minimum wage",
}
PROBES = (
    "en als ik geen geld heb",
    "and if I have no money",
    "kan dat ook voor mijn vrouw",
    "ik heb geen geld",
    "و اذا ما عندي فلوس",
)


def extra_negatives(nlu_dir: Path, directories: Sequence[str]) -> list[tuple[str, str]]:
    """(language, text) of the lines of nlu/<directory>/<lang>.yml outside EXCLUDED_NODES."""
    return [
        (e.language, e.text)
        for directory in directories
        for e in load_node_examples(nlu_dir / directory)
        if (e.intent, e.node) not in EXCLUDED_NODES
    ]


def use_seed(seed: int) -> None:
    """One fold split with this seed, for train()'s thresholds and this script's folds (the bot averages the
    thresholds of sg.FOLD_SEEDS; one split shows how much a difference is the folds' noise)."""
    one_split = sg.fold_of

    def fold_of(training: sg.Training, folds: int = sg.FOLDS, seed: int = seed) -> sg.IntArray:
        return one_split(training, folds, seed)

    sg.FOLD_SEEDS = (seed,)
    sg.fold_of = fold_of


def use_weight(extra: set[str], weight: float) -> None:
    """Let each extra negative weigh `weight` of an ordinary one in sg.balance."""

    def balance(training: sg.Training, train_texts: sg.IntArray) -> sg.FloatArray:
        result = np.zeros(len(training.texts))
        base = np.asarray(
            [weight if not p and t in extra else 1.0 for t, p in zip(training.texts, training.positive, strict=True)]
        )
        languages = np.asarray(training.language)
        for positive in (True, False):
            chosen = train_texts[training.positive[train_texts] == positive]
            groups = [chosen[languages[chosen] == language] for language in np.unique(languages[chosen])]
            for group in groups:
                result[group] = base[group] * len(chosen) / (len(groups) * base[group].sum())
        return result

    sg.balance = balance


class Run:
    """One model setting: the training data, its cross-validated verdicts and the model on everything."""

    def __init__(self, extra: list[tuple[str, str]], placement: str) -> None:
        safeguarding, ordinary = sg.load_data(ROOT / "nlu")
        n, m = len(safeguarding), len(ordinary)
        if placement == "none":
            safeguarding = [*safeguarding, *(data.Example(t, data.NONE, lang, "extra/") for lang, t in extra)]
            groups = {"ordinary": range(n + len(extra), n + len(extra) + m), "extra": range(n, n + len(extra))}
        else:
            ordinary = [*ordinary, *extra]
            groups = {"ordinary": range(n, n + m), "extra": range(n + m, n + m + len(extra))}
        self.training = sg.Training.build(safeguarding, ordinary)
        categories = [e.category for e in safeguarding[:n]]
        self.groups = {
            "disclosures": [i for i, c in enumerate(categories) if c != data.NONE],
            "hard negatives": [i for i, c in enumerate(categories) if c == data.NONE],
            **{k: list(v) for k, v in groups.items()},
        }
        fold = sg.fold_of(self.training)
        self.verdicts: list[Verdict | None] = [None] * len(self.training.texts)
        for k in range(sg.FOLDS):
            model = sg.train(self.training.subset(np.flatnonzero(fold != k)))
            for i in np.flatnonzero(fold == k):
                self.verdicts[i] = judge(model, self.training.texts[i])
        self.model = sg.train(self.training)

    def tally(self, group: str) -> Counter[tuple[str, str]]:
        counts: Counter[tuple[str, str]] = Counter()
        for i in self.groups[group]:
            verdict, language = self.verdicts[i], self.training.language[i]
            assert verdict is not None
            counts[language, "n"] += 1
            counts[language, "alarm"] += verdict.category is not None
            counts[language, "asked"] += verdict.asked
        return counts

    def judge_all(self, items: Sequence[tuple[str, str]]) -> Counter[tuple[str, str]]:
        counts: Counter[tuple[str, str]] = Counter()
        for language, text in items:
            verdict = judge(self.model, text)
            counts[language, "n"] += 1
            counts[language, "alarm"] += verdict.category is not None
            counts[language, "asked"] += verdict.asked
        return counts


def held_out(nlu_dir: Path) -> dict[str, list[tuple[str, str]]]:
    followups = [
        (str(item["lang"]), str(item["text"]))
        for path in sorted((nlu_dir / "eval").glob("followups*.yml"))
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    realistic = [
        (str(language), str(row["text"]))
        for path in sorted((nlu_dir / "eval").glob("realistic*.yml"))
        for language, rows in yaml.safe_load(path.read_text(encoding="utf-8")).items()
        for row in rows
        if row["intent"] != "problem"
    ]
    return {"held-out follow-ups": followups, "held-out realistic": realistic}


def counts_row(name: str, before: Counter[tuple[str, str]], after: Counter[tuple[str, str]]) -> str:
    cells = [
        f"{before[lang, 'alarm']}/{before[lang, 'asked']} → {after[lang, 'alarm']}/{after[lang, 'asked']}"
        for lang in LANGUAGES
    ]
    n = "/".join(str(before[lang, "n"] or after[lang, "n"]) for lang in LANGUAGES)
    return f"| {name} | " + " | ".join(cells) + f" | {n} |"


def recall_row(name: str, before: Counter[tuple[str, str]], after: Counter[tuple[str, str]]) -> str:
    def cell(c: Counter[tuple[str, str]], lang: str) -> str:
        n = c[lang, "n"] or 1
        return f"{c[lang, 'alarm'] / n:.3f} / {(c[lang, 'alarm'] + c[lang, 'asked']) / n:.3f}"

    return f"| {name} | " + " | ".join(f"{cell(before, lang)} → {cell(after, lang)}" for lang in LANGUAGES) + " |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--with", dest="directories", nargs="+", default=["followups", "nodes"])
    parser.add_argument("--as", dest="placement", choices=("none", "ordinary"), default="none")
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None, help="one fold split (default: the bot's FOLD_SEEDS)")
    parser.add_argument("--unseen", action="store_true", help="also the unseen sets A-F (figures only)")
    args = parser.parse_args()
    wall = time.perf_counter()
    nlu_dir = ROOT / "nlu"
    extra = extra_negatives(nlu_dir, args.directories)
    if args.seed is not None:
        use_seed(args.seed)
    before = Run([], args.placement)
    if args.weight != 1.0:
        use_weight({t for _, t in extra}, args.weight)
    after = Run(extra, args.placement)
    print(
        f"extra negatives: {len(extra)} lines of nlu/{' and nlu/'.join(args.directories)} as {args.placement}, "
        f"weight {args.weight}, fold salts {sg.FOLD_SEEDS}; excluded nodes: {', '.join('/'.join(k) for k in EXCLUDED_NODES)}"
    )
    header = "| | " + " | ".join(LANGUAGES) + " |\n|---|" + "---|" * len(LANGUAGES)
    counts_header = "| | " + " | ".join(LANGUAGES) + " | n |\n|---|" + "---|" * (len(LANGUAGES) + 1)
    print("\nCross-validated recall, alarm / +asked (before → after)\n" + header)
    print(recall_row("disclosures", before.tally("disclosures"), after.tally("disclosures")))
    print("\nAlarms / asked (before → after)\n" + counts_header)
    for group in ("ordinary", "hard negatives", "extra"):
        print(counts_row(f"cross-validated: {group}", before.tally(group), after.tally(group)))
    for name, items in held_out(nlu_dir).items():
        print(counts_row(name, before.judge_all(items), after.judge_all(items)))
    for name, run in (("before", before), ("after", after)):
        thresholds = ", ".join(f"{k or 'undetected'} {v:.1f}" for k, v in sorted(run.model.thresholds.items()))
        verdicts = [judge(run.model, p) for p in PROBES]
        probes = "; ".join(
            f"{p}: {v.category or ('ask' if v.asked else '-')}" for p, v in zip(PROBES, verdicts, strict=True)
        )
        print(f"\n{name}: thresholds {thresholds}\n  probes {probes}")
    if args.unseen:
        print("\nUnseen sets: caught / +asked of the disclosures; hard negatives alarmed / asked (before → after)")
        print(counts_header)
        for name, examples in unseen_sets(nlu_dir / "safeguarding" / "unseen"):
            items = [(e.language, e.text) for e in examples]
            label = name.split(" (")[0].removeprefix("unseen set ")
            for negatives, what in ((False, "caught/+asked"), (True, "hard negatives")):
                chosen = [x for x, e in zip(items, examples, strict=True) if (e.category == data.NONE) == negatives]
                b, a = before.judge_all(chosen), after.judge_all(chosen)
                if not negatives:
                    cells = [
                        f"{b[lang, 'alarm']}/{b[lang, 'alarm'] + b[lang, 'asked']} → "
                        f"{a[lang, 'alarm']}/{a[lang, 'alarm'] + a[lang, 'asked']}"
                        for lang in LANGUAGES
                    ]
                    n = "/".join(str(b[lang, "n"]) for lang in LANGUAGES)
                    print(f"| {label} {what} | " + " | ".join(cells) + f" | {n} |")
                else:
                    print(counts_row(f"{label} {what}", b, a))
    print(f"\n{time.perf_counter() - wall:.1f} s wall")


if __name__ == "__main__":
    main()
