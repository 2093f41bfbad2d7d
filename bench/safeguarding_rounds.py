"""By-round cross-validation of the safeguarding recogniser, scored apart for one round and the others
(no unseen set is read): does a new round help the model on the phrasings of the earlier rounds?

    .venv/bin/python bench/safeguarding_rounds.py [--round round9] [--without]

Each round file is one fold (as `safeguarding_cv.py --by-round`). Prints, per language, the recall (alarm
alone, +asked, suicide alone) on the other rounds and on `--round`, and the false alarms on nlu/data.
`--without` leaves `--round` out of the data, for the "before" figure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safeguarding import data  # noqa: E402
from bot.safeguarding.evaluate import Verdict, judge  # noqa: E402
from bot.safeguarding.model import Training, fold_of, load_data, train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--round", default="round9", help="the file name part of the round to score apart")
    parser.add_argument("--without", action="store_true", help="leave that round out of the data")
    args = parser.parse_args()
    examples, ordinary = load_data(ROOT / "nlu")  # as `werkhelpdesk nlu evaluate` reads it
    source = f"safeguarding/{args.round}"
    if args.without:
        examples = [e for e in examples if e.source != source]
    wall, cpu = time.perf_counter(), time.process_time()
    training = Training.build(examples, ordinary)
    n = len(examples)
    rounds = sorted({e.source for e in examples})
    fold = fold_of(training, len(rounds))
    fold[:n] = [rounds.index(e.source) for e in examples]
    verdicts: list[Verdict | None] = [None] * len(training.texts)
    for k in range(len(rounds)):
        model = train(training.subset(np.flatnonzero(fold != k)))
        for i in np.flatnonzero(fold == k):
            verdicts[i] = judge(model, training.texts[i])
    print("lang  rounds        n  recall  +asked  suicide")
    for group in ("others", args.round):
        for language in ("ar", "en", "nl", "ti"):
            rows = [
                v
                for e, v in zip(examples, verdicts[:n], strict=True)
                if v is not None
                and e.language == language
                and e.category != data.NONE
                and (e.source == source) == (group == args.round)
            ]
            suicide = [
                v
                for e, v in zip(examples, verdicts[:n], strict=True)
                if v is not None and e.language == language and e.category == "suicide" and e.source != source
            ]
            if rows:
                caught = sum(v.category is not None for v in rows) / len(rows)
                asked = sum(v.category is not None or v.asked for v in rows) / len(rows)
                alone = sum(v.category is not None for v in suicide) / max(1, len(suicide))
                line = f"{language:<5} {group:<9} {len(rows):>5}  {caught:.3f}   {asked:.3f}"
                print(line + (f"   {alone:.3f}" if group == "others" else ""))
    alarms = [v for v in verdicts[n:] if v is not None]
    share = sum(v.category is not None for v in alarms) / len(alarms)
    print(f"false alarms on the ordinary intents (nlu/data): {share:.2%}")
    print(f"\n{time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s cpu")


if __name__ == "__main__":
    main()
