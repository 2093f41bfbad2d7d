"""Several processes for one replica (`WEBHOOK_PROCESSES`): a Python process runs its event loop on one
core, so a replica given two cores serves from two processes. They are forked once what they share is
loaded (modules, the trained NLU model: shared pages, copy-on-write), listen on the same port
(SO_REUSEPORT: the kernel spreads Telegram's connections over them) and take work from the same inbox
table, exactly as separate replicas do.

The parent only supervises. SIGTERM or SIGINT is passed on to every process, which stops gracefully
(finishing updates in flight); the parent exits 0 when all of them did. Should one process stop on its
own, the parent stops the others and exits non-zero, so that the orchestrator restarts the replica as
a whole instead of leaving it at half strength unnoticed."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: a process whose supervisor was killed (SIGKILL, out of memory) gets SIGTERM instead of
    serving on without it. Elsewhere nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return code if code > 0 else (1 if code < 0 else 0)  # killed by a signal: a failure too


def supervise(count: int, serve: Callable[[int], int]) -> int:
    """Fork `count` processes running `serve(index)` (its result is the process's exit code) and
    supervise them until all have stopped; returns the replica's exit code."""
    children: dict[int, int] = {}  # pid -> index
    stopping = False

    def stop_all(signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop_all) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(count):
            if stopping:
                break
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child: it never returns from here
                code = 1
                try:
                    for sig in previous:
                        signal.signal(sig, signal.SIG_DFL)
                    _die_with_parent()
                    code = serve(index)
                except BaseException:
                    log.exception("process %d of %d failed", index + 1, count)
                finally:
                    logging.shutdown()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            children[pid] = index
        if stopping:
            stop_all()  # a signal that came while forking: the processes forked after it hear it too
        log.info("replica started %d processes", len(children))
        result = 0
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid not in children:
                continue
            index = children.pop(pid)
            code = _exit_code(status)
            if not stopping:
                log.error(
                    "process %d of %d stopped on its own (exit code %d): stopping the others", index + 1, count, code
                )
                result = code or 1
                stop_all()
            elif code and not result:
                log.error("process %d of %d stopped with exit code %d", index + 1, count, code)
                result = code
        return result
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
