"""A trained embedded classifier kept on disk, so a normal start loads it instead of training again.

The name holds a hash of all the model depends on (training files, NLU code, library versions): a stale model is
never loaded. Writes are atomic, a lock makes replicas that start together train once, and a file that is not
privately this user's own is never unpickled.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import pickle
import platform
import stat
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

from bot.nlu.embedded import EmbeddedClassifier

log = logging.getLogger(__name__)

_BOT = Path(__file__).resolve().parents[1]
KEEP = 3  # newest model files kept (replicas of the previous release may still want theirs)
LOCK_POLL_SECONDS = 0.1
T = TypeVar("T")


def version_of(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def training_files(nlu_dir: Path) -> list[Path]:
    """The files the classifier trains on (bot.nlu.data.load_training): nlu/data, nodes, openers, followups."""
    return sorted(p for part in ("data", "nodes", "openers", "followups") for p in (nlu_dir / part).glob("*.yml"))


def cache_key(nlu_dir: Path, extra: str = "") -> str:
    """A hash of the training files, the NLU code, the library versions and `extra` (the console's examples,
    bot/content/examples.py); over the files' bytes, so a start that finds its model does not even parse YAML."""
    parts = [b"console\0" + extra.encode()] if extra else []
    parts += [part.encode() for part in (platform.python_version(), version_of("numpy"), version_of("scikit-learn"))]
    files = [(path.name, path) for path in [*sorted((_BOT / "nlu").glob("*.py")), _BOT / "textnorm.py"]]
    files += [(str(path.relative_to(nlu_dir)), path) for path in training_files(nlu_dir)]
    return digest_of(parts, files)


def digest_of(parts: Iterable[bytes], files: Iterable[tuple[str, Path]]) -> str:
    """A cache key: a hash of `parts` and of each file's name and bytes."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part + b"\0")
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _own_private(path: Path) -> bool:
    """The file or directory belongs to this user and nobody else may write it."""
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read_object(path: Path, kind: type[T]) -> T | None:
    """The `kind` object stored at `path`, or None when it is missing, foreign or unreadable."""
    try:
        if not _own_private(path) or not _own_private(path.parent):
            log.warning("model cache %s is not this user's own; not loaded", path)
            return None
        with path.open("rb") as fp:
            loaded = pickle.load(fp)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or incompatible file: train again and overwrite it
        log.warning("model cache %s unreadable (%s); training again", path.name, type(exc).__name__)
        return None
    return loaded if isinstance(loaded, kind) else None


def read(path: Path) -> EmbeddedClassifier | None:
    """The classifier stored at `path`, or None when it is missing, foreign or unreadable."""
    return read_object(path, EmbeddedClassifier)


def write(path: Path, classifier: object) -> None:
    """Store atomically: a reader sees the old file, no file, or the whole new one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as fp:
            pickle.dump(classifier, fp, protocol=pickle.HIGHEST_PROTOCOL)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _prune(directory: Path, keep: Path) -> None:
    kind = keep.name.partition("-")[0]  # embedded-<key>.pickle, safeguarding-<key>.pickle
    models = sorted(directory.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in models if p != keep][KEEP - 1 :]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


async def _locked(lock_path: Path) -> int:
    """An exclusive lock on `lock_path` (polled, so waiting stays cancellable); returns its descriptor."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            await asyncio.sleep(LOCK_POLL_SECONDS)
        except BaseException:
            os.close(fd)
            raise


def _model_path(nlu_dir: Path, directory: Path, extra: str) -> Path | None:
    """Where the model for `nlu_dir` is kept (the directory made private if new), or None if unusable."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("NLU model cache directory unusable (%s); training without a cache", type(exc).__name__)
        return None
    return directory / f"embedded-{cache_key(nlu_dir, extra)}.pickle"


def store(path: Path, model: object) -> None:
    """Write `model` to `path` and remove older files of its kind; a failure only means no cache."""
    try:
        write(path, model)
        _prune(path.parent, path)
    except OSError as exc:
        log.warning("model not cached (%s)", type(exc).__name__)


async def load_or_train(
    nlu_dir: Path, directory: Path, train: Callable[[], Awaitable[EmbeddedClassifier]], extra: str = ""
) -> tuple[EmbeddedClassifier, bool]:
    """(the cached classifier for `nlu_dir`, or one `train()` makes and caches; loaded from the cache). File work
    runs in a thread, so the event loop stays free while a replica waits or loads."""
    path = await asyncio.to_thread(_model_path, nlu_dir, directory, extra)
    if path is None:
        return await train(), False
    cached = await asyncio.to_thread(read, path)
    if cached is not None:
        return cached, True
    fd = await _locked(directory / "train.lock")
    try:
        cached = await asyncio.to_thread(read, path)  # another replica may have trained it while we waited
        if cached is not None:
            return cached, True
        classifier = await train()
        await asyncio.to_thread(store, path, classifier)
        return classifier, False
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
