"""The flows the bot serves now, replaced only by a set that passes every check (hot reload)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.flows.loader import Problem, check_flows
from bot.flows.model import FlowSet

log = logging.getLogger(__name__)


def signature(flows_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when staff edit, add or remove a flow file."""
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in flows_dir.glob("*.yml")))


@dataclass(frozen=True)
class ReloadResult:
    changed: bool
    problems: list[Problem]
    flows: int


class FlowStore:
    def __init__(self, flows_dir: Path, flows: FlowSet) -> None:
        self._dir = flows_dir
        self.current = flows
        self._signature = signature(flows_dir)

    def reload(self, *, only_if_changed: bool = False) -> ReloadResult:
        """Load and check the files again. An invalid set is refused: the old content keeps serving."""
        now = signature(self._dir)
        if only_if_changed and now == self._signature:
            return ReloadResult(False, [], len(self.current.flows))
        self._signature = now
        result = check_flows(self._dir)
        if result.errors:
            log.warning("flows not reloaded: %d errors; the previous content keeps serving", len(result.errors))
            return ReloadResult(False, result.errors, len(self.current.flows))
        self.current = result.flows
        log.info("flows reloaded: %d flows", len(result.flows.flows))
        return ReloadResult(True, [], len(result.flows.flows))
