"""The safeguarding recogniser's cross-validated figures only (no unseen set is read): the tool for
choosing data and settings without looking at the unseen sets (bench/README.md, Safeguarding).

    .venv/bin/python bench/safeguarding_cv.py [--folds 5]

Prints recall per language and category (patterns OR model, model alone) and the false alarms on the
ordinary intents (nlu/data), as `werkhelpdesk nlu evaluate` does for its cross-validated table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safeguarding.evaluate import Report, cross_validate, format_report  # noqa: E402
from bot.safeguarding.model import load_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--by-round", action="store_true", help="one fold per round file")
    args = parser.parse_args()
    safeguarding, ordinary = load_data(ROOT / "nlu")  # as `werkhelpdesk nlu evaluate` reads it
    wall, cpu = time.perf_counter(), time.process_time()
    report = cross_validate(safeguarding, ordinary, args.folds, args.by_round)
    print(format_report(Report([report], {})))
    print(f"\n{time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s cpu")


if __name__ == "__main__":
    main()
