"""`python -m bot.content.grouping`: pickled texts on stdin, their similarity groups (indices) on stdout."""

from __future__ import annotations

import pickle
import sys

from bot.tools.unanswered import group_similar


def main() -> int:
    texts = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps(group_similar(list(texts))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
