"""The training process of the embedded classifier: `python -m bot.nlu.trainer` (see `train_in_process`).
Pickled `Example`s on stdin; the pickled `(True, classifier)` or `(False, exception)` on stdout, all else to stderr."""

from __future__ import annotations

import os
import pickle
import signal
import sys
from typing import Any

from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.fitting import available_processes


def main() -> int:
    result_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output must not corrupt the result
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the bot's to handle: it kills us if need be
    examples = pickle.load(sys.stdin.buffer)
    result: tuple[bool, Any]
    try:
        result = (True, EmbeddedClassifier.train(examples, available_processes()))
    except Exception as exc:
        result = (False, exc)
    try:
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that does not pickle
        payload = pickle.dumps((False, RuntimeError(f"NLU training failed: {type(exc).__name__}: {exc}")))
    with result_out:
        result_out.write(payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
