"""When to answer and when to ask back (issue 21): decision rules scored on cross-validated parses.

The bot answers when the top confidence reaches `NLU_THRESHOLD` and asks back otherwise. This records, on the
folds of `werkhelpdesk nlu evaluate` (stratified by language and intent; openings in every training part), the
ranking of each held-out example as the bot parses it, in four shapes (SHAPES):

- short: the line itself;
- opening: an opening of its language in front, no punctuation ("ik kom uit syrie <line>");
- story: the same with a sentence end between ("ik kom uit syrie. <line>");
- two: the line, "and", another held-out question of another intent (the first is the one to answer).

Then it scores decision rules offline on the same parses, per language and shape:

- right: answered (the rule lets it through) with the right intent;
- asked: not answered, and the right intent is among the 3 topics on the buttons (bot/nlu/realistic.py);
- wrong: answered with the wrong intent ("confidently wrong").

Rules: the threshold alone (the bot today), and a margin: answer only when the top confidence is at least
`margin` above the runner-up. `--variants` parses the same models again with settings of bot.nlu.embedded
changed (e.g. `TIE_MARGIN=0`). Only the training data is used, so a rule chosen here is not tuned on an eval
file. `--realistic FILE...` instead trains on all of nlu/ and prints per language only the summary of each file.

    nice -n 10 .venv/bin/python bench/nlu_decision_cv.py --seeds 13 7 --margins 0 0.1 0.2 --variants TIE_MARGIN=0
    .venv/bin/python bench/nlu_decision_cv.py --load /tmp/parses.pkl --margins 0 0.2 0.4
"""

from __future__ import annotations

import argparse
import pickle
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.nlu import embedded
from bot.nlu.compose import NOT_QUESTIONS
from bot.nlu.data import OPENER, Example, load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.evaluate import DEFAULT_THRESHOLD, folds_for
from bot.nlu.realistic import OFFERED, load_realistic
from bot.nlu.types import TOPICS

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ("short", "opening", "story", "two")
# How two questions are joined, per language (bot/nlu/compose.py splits at these).
AND = {"nl": "en", "en": "and", "ar": "و", "ti": "ከምኡውን"}


@dataclass(frozen=True)
class Parse:
    language: str
    intent: str  # the example's label
    variant: str  # the decision settings it was parsed with (--variants)
    shape: str  # SHAPES: the line itself, with an opening in front, or followed by a second question
    ranking: tuple[tuple[str, float], ...]
    text: str = ""


def run_seed(examples: Sequence[Example], folds: int, seed: int, variants: dict[str, dict[str, float]]) -> list[Parse]:
    openers = [e for e in examples if e.intent == OPENER]
    rows = [e for e in examples if e.intent != OPENER]
    openings: dict[str, list[str]] = {}
    for e in openers:
        openings.setdefault(e.language, []).append(e.text)
    rng = random.Random(seed)
    parses: list[Parse] = []
    for train_idx, test_idx in folds_for(rows, folds, seed):
        model = EmbeddedClassifier.train([rows[i] for i in train_idx] + openers)
        questions: dict[str, list[Example]] = {}
        for i in test_idx:
            if rows[i].intent not in NOT_QUESTIONS:
                questions.setdefault(rows[i].language, []).append(rows[i])
        cases: list[tuple[Example, str, str]] = []
        for i in test_idx:
            e = rows[i]
            cases.append((e, "short", e.text))
            if e.intent not in NOT_QUESTIONS and e.language in openings:
                cases.append((e, "opening", f"{rng.choice(openings[e.language])} {e.text}"))
                cases.append((e, "story", f"{rng.choice(openings[e.language])}. {e.text}"))
                other = rng.choice(questions[e.language])
                if other.intent != e.intent:  # the first question is the one to answer
                    cases.append((e, "two", f"{e.text} {AND.get(e.language, 'and')} {other.text}"))
        for name, settings in variants.items():
            parses += with_settings(
                settings,
                lambda name=name, cases=cases, model=model: [
                    Parse(e.language, e.intent, name, shape, model.predict(t).ranking, t) for e, shape, t in cases
                ],
            )
    return parses


def answered(ranking: Sequence[tuple[str, float]], threshold: float, margin: float) -> bool:
    top = ranking[0][1]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    return top >= threshold and top - runner_up >= margin


def score(parses: Sequence[Parse], threshold: float, margin: float) -> tuple[float, float, float, int]:
    right = asked = wrong = 0
    for p in parses:
        if answered(p.ranking, threshold, margin):
            right += p.ranking[0][0] == p.intent
            wrong += p.ranking[0][0] != p.intent
        elif p.intent in [i for i, _ in p.ranking if i in TOPICS][:OFFERED]:
            asked += 1
    n = len(parses) or 1
    return right / n, asked / n, wrong / n, len(parses)


def with_settings(settings: dict[str, float], parse: Callable[[], list[Parse]]) -> list[Parse]:
    """Parses made with decision settings of bot.nlu.embedded changed, restored afterwards."""
    saved = {k: getattr(embedded, k) for k in settings}
    for k, v in settings.items():
        setattr(embedded, k, type(saved[k])(v))
    try:
        return parse()
    finally:
        for k, v in saved.items():
            setattr(embedded, k, v)


def realistic(
    nlu_dir: Path,
    files: Sequence[Path],
    threshold: float,
    margins: Sequence[float],
    confusions: bool,
    variants: dict[str, dict[str, float]],
) -> int:
    """Score held-out files with each rule; only the summary per language is printed (blind sets stay blind)."""
    cpu = time.process_time()
    model = EmbeddedClassifier.train(load_training(nlu_dir))
    print(f"trained in {time.process_time() - cpu:.0f} s CPU")
    for path in files:
        messages = load_realistic(path)
        for name, settings in variants.items():
            parses = with_settings(
                settings,
                lambda name=name, messages=messages: [
                    Parse(m.language, m.intent, name, "real", model.predict(m.text).ranking) for m in messages
                ],
            )
            for language in sorted({p.language for p in parses}):
                mine = [p for p in parses if p.language == language]
                cells = [
                    f"m{margin:.2f} {'/'.join(f'{x:.3f}' for x in score(mine, threshold, margin)[:3])}"
                    for margin in margins
                ]
                print(f"{path.name} {name} {language} ({len(mine)}): {'  '.join(cells)}")
                if confusions:  # intent pairs only, never the messages
                    wrong = Counter(
                        (p.intent, p.ranking[0][0])
                        for p in mine
                        if p.ranking[0][0] != p.intent and answered(p.ranking, threshold, 0)
                    )
                    print("   ", ", ".join(f"{t}->{g}: {n}" for (t, g), n in wrong.most_common()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nlu-dir", type=Path, default=ROOT / "nlu")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--margins", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3])
    parser.add_argument(
        "--variants",
        nargs="+",
        default=[],
        help="decision settings of bot.nlu.embedded to compare on the same models, e.g. TIE_MARGIN=0.1,X=1",
    )
    parser.add_argument("--save", type=Path, help="write the parses here (pickle)")
    parser.add_argument("--load", type=Path, help="score saved parses instead of training")
    parser.add_argument("--confusions", action="store_true", help="the answered-wrong pairs per language")
    parser.add_argument(
        "--realistic", type=Path, nargs="+", help="instead: train on all of nlu/ and score these files (summaries only)"
    )
    args = parser.parse_args()
    variants = {"bot": {}} | {
        v: {k: float(x) for k, x in (kv.split("=") for kv in v.split(","))} for v in args.variants
    }
    if args.realistic:
        return realistic(args.nlu_dir, args.realistic, args.threshold, args.margins, args.confusions, variants)
    if args.load:
        parses: list[Parse] = pickle.loads(args.load.read_bytes())
    else:
        examples = load_training(args.nlu_dir)
        variants = {"bot": {}} | {
            v: {k: float(x) for k, x in (kv.split("=") for kv in v.split(","))} for v in args.variants
        }
        parses = []
        for seed in args.seeds:
            cpu = time.process_time()
            parses += run_seed(examples, args.folds, seed, variants)
            print(f"seed {seed}: {time.process_time() - cpu:.0f} s CPU")
        if args.save:
            args.save.write_bytes(pickle.dumps(parses))
    print(f"threshold {args.threshold:.2f}; right / asked / wrong: {' | '.join(SHAPES)}")
    for language in sorted({p.language for p in parses}):
        for variant in sorted({p.variant for p in parses}, key=lambda v: v != "bot"):
            for margin in args.margins:
                cells = []
                for shape in SHAPES:
                    mine = [p for p in parses if p.language == language and p.shape == shape and p.variant == variant]
                    r, a, w, n = score(mine, args.threshold, margin)
                    cells.append(f"{r:.3f} / {a:.3f} / {w:.3f} ({n})")
                print(f"{language} {variant} margin {margin:.2f}: {' | '.join(cells)}")
        if args.confusions:
            wrong = Counter(
                (p.intent, p.ranking[0][0])
                for p in parses
                if p.language == language
                and p.variant == "bot"
                and p.ranking[0][0] != p.intent
                and answered(p.ranking, args.threshold, 0)
            )
            print("  ", ", ".join(f"{t}->{g}: {n}" for (t, g), n in wrong.most_common(10)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
