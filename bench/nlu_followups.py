"""Follow-ups after an answer (nlu/eval/followups*.yml) under variants of the rule (bench/README.md, NLU).

Trains once on all of nlu/, then scores each file through the dialog for every combination of the follow-up
similarity, the margins (cosine above the topic's general questions; --same: when the classifier reads the same
topic, --off: when it is sure the message is out of scope) and FOLLOWUP_OVER (another topic read below this
confidence yields to a follow-up; 0: only unsure or out-of-scope messages do).

    .venv/bin/python bench/nlu_followups.py nlu/eval/followups.yml --margin 0.1 0.05 --off 0.1 0.15 --over 0 0.7

--general FILE...: also the cost, on the general questions (no node) of realistic files, each asked right after
its topic's opening: the share answered with a node instead of the opening, with and without follow-ups.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import bot.dialog
import bot.nlu.embedded
from bot.flows.loader import load_flows
from bot.flows.model import FlowSet
from bot.messages import Msg
from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.followups import KINDS, evaluate_followups, load_followups
from bot.nlu.realistic import load_realistic
from bot.nlu.types import TOPICS
from bot.routes.dialog import ACTIONS

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--margin", nargs="+", type=float, default=[bot.dialog.FOLLOWUP_MARGIN])
    parser.add_argument("--similarity", nargs="+", type=float, default=[bot.nlu.embedded.FOLLOWUP_SIMILARITY])
    parser.add_argument("--over", nargs="+", type=float, default=[bot.dialog.FOLLOWUP_OVER])
    parser.add_argument("--same", nargs="+", type=float, default=[bot.dialog.FOLLOWUP_MARGIN_SAME_TOPIC])
    parser.add_argument("--off", nargs="+", type=float, default=[bot.dialog.FOLLOWUP_MARGIN_OFF_TOPIC])
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--general", nargs="*", type=Path, default=[], help="realistic files (general questions)")
    args = parser.parse_args()
    model = EmbeddedClassifier.train(load_training(ROOT / "nlu", followups=True))
    flows = load_flows(ROOT / "flows")
    print("file, similarity, margin (same topic, off topic), over: per language node / switch / none (without: node)")
    grid = itertools.product(args.files, args.similarity, args.margin, args.same, args.off, args.over)
    for path, similarity, margin, same, off, over in grid:
        bot.nlu.embedded.FOLLOWUP_SIMILARITY = similarity
        bot.dialog.FOLLOWUP_MARGIN, bot.dialog.FOLLOWUP_MARGIN_SAME_TOPIC = margin, same
        bot.dialog.FOLLOWUP_MARGIN_OFF_TOPIC, bot.dialog.FOLLOWUP_OVER = off, over
        report = evaluate_followups(model.predict, model.followup, flows, load_followups(path), args.threshold)
        cells = [
            f"{r.language} " + "/".join(f"{r.right_with[k]:.3f}" for k in KINDS) + f" ({r.right_without['node']:.3f})"
            for r in report.languages
        ]
        print(f"{path.name} {similarity:.2f} {margin:.2f} {same:.2f} {off:.2f} {over:.2f}: " + "  ".join(cells))
    for same in args.same if args.general else []:
        bot.dialog.FOLLOWUP_MARGIN_SAME_TOPIC = same
        with_node, without_node, answered = general_with_node(model, flows, args.general, args.threshold)
        print(f"general questions right after their topic's opening, same-topic margin {same:.2f}: given a node")
        print(f"    {with_node}/{answered} with follow-ups, {without_node}/{answered} without")


def general_with_node(
    model: EmbeddedClassifier, flows: FlowSet, files: list[Path], threshold: float
) -> tuple[int, int, int]:
    """Of the general questions answered with their topic: how many got a node, with and without follow-ups."""
    dialog = bot.dialog.Dialog(bot.dialog.DialogConfig(flows, threshold, ACTIONS), bot.dialog.HandoffInfo(Msg("")))
    counts = [0, 0, 0]
    for path in files:
        for m in load_realistic(path):
            flow = flows.for_intent(m.intent)
            if m.node is not None or m.second is not None or m.intent not in TOPICS or flow is None:
                continue
            state = bot.dialog.State(flow.id, flow.start)
            plain = bot.dialog.TextIn(m.text, model.predict(m.text))
            read = dialog.read_followup(plain, state, model.followup)
            outcomes = [dialog.decide(event, state) for event in (read, plain)]
            if all(o.state.flow == flow.id and o.intent == m.intent and not o.unanswered for o in outcomes):
                counts[0] += outcomes[0].state.node != flow.start
                counts[1] += outcomes[1].state.node != flow.start
                counts[2] += 1
    return counts[0], counts[1], counts[2]


if __name__ == "__main__":
    main()
