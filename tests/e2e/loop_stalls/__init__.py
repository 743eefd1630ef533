"""Which "Triggerer's async thread was blocked" lines of an e2e triggerer were the loop being blocked.

The triggerers of the e2e deployment load ``sitecustomize.py`` from this folder (see its docstring and
``Deployment``): it records every stall of their event loop with the thread's CPU time and run-queue wait.
Here each line the watchdog logged is matched with the stall it saw, and attributed:

- ``starved``: without the time the loop's thread was runnable but had no CPU (other processes of the
  2-core machine ran), the stall would have stayed within the watchdog's 0.1 s allowance: nothing blocked
  the loop, so no trigger's fault;
- ``garbage collection``: a collection of the whole process heap (Airflow's, inherited by the trigger
  runner's fork) ran in the stall and, with the wait for a CPU, accounts for all but the allowance; a
  collection runs on whichever thread allocates, and no trigger chooses when;
- ``blocked``: the loop's thread ran, or sat blocked off the CPU, for more than 0.1 s of it beyond that:
  something on the loop did that;
- ``unmatched``: no recorded stall explains the line (counts as blocked).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

#: This folder: put on a triggerer's PYTHONPATH, its ``sitecustomize`` records the loop's stalls.
SITE_DIR = Path(__file__).resolve().parent
#: Names the folder where a process writes its stalls (one ``<pid>.jsonl`` each).
ENV_VAR = "RTK_E2E_LOOP_STALLS"

#: The overrun the watchdog tolerates beyond its 0.1 s sleep.
ALLOWANCE = 0.1
_BLOCKED_LINE = re.compile(r"^(\S+Z) .*Triggerer's async thread was blocked for ([\d.]+) seconds")


@dataclass(frozen=True)
class Stall:
    """One late heartbeat of a loop (see ``sitecustomize.py``)."""

    end: float
    gap: float
    cpu: float
    runqueue: float
    #: Seconds of garbage collection that ended within the stall.
    gc: float = 0.0

    @property
    def starved(self) -> bool:
        """Within the allowance but for the wait for a CPU: the machine was busy, the loop was not blocked."""
        return self.gap - self.runqueue <= ALLOWANCE


@dataclass(frozen=True)
class BlockedLine:
    """A watchdog line, and the stall it saw."""

    at: float
    seconds: float
    text: str
    stall: Stall | None

    @property
    def attribution(self) -> str:
        stall = self.stall
        if stall is None:
            return "unmatched"
        if stall.starved:
            return "starved"
        # Collections are timed on the wall clock, which includes their own waits for a CPU.
        return "garbage collection" if stall.gap - max(stall.gc, stall.runqueue) <= ALLOWANCE else "blocked"

    def describe(self) -> str:
        stall = self.stall
        seen = (
            "no recorded stall"
            if stall is None
            else f"stall of {stall.gap:.2f} s: {stall.cpu:.2f} s on a CPU, {stall.runqueue:.2f} s waiting for one, "
            f"{stall.gc:.2f} s of garbage collection"
        )
        return f"{self.attribution}: {self.text.strip()[:120]} ({seen})"


def environment(directory: Path, pythonpath: str | None) -> dict[str, str]:
    """The variables that make a component record its loops' stalls in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [str(SITE_DIR), *([pythonpath] if pythonpath else [])]
    return {ENV_VAR: str(directory), "PYTHONPATH": ":".join(paths)}


def stalls(directory: Path) -> list[Stall]:
    """Every stall recorded in ``directory``, by any process, with the garbage collections within it."""
    found = []
    for path in sorted(directory.glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines()]
        collections = [(r["end"], r["gc_seconds"]) for r in records if "gc_seconds" in r]
        for r in records:
            if "gap" in r:
                start = r["end"] - r["gap"] - 0.05
                gc = sum(seconds for end, seconds in collections if start <= end <= r["end"])
                found.append(Stall(r["end"], r["gap"], r["cpu"], r["runqueue"], round(gc, 4)))
    return found


def blocked_lines(log: Path, directory: Path) -> list[BlockedLine]:
    """
    The watchdog's lines in a triggerer's log, each with the recorded stall that ended closest to it.

    :param log: the triggerer's component log.
    :param directory: where its processes recorded their stalls.
    """
    recorded = stalls(directory)
    lines = []
    for text in log.read_text(errors="replace").splitlines():
        match = _BLOCKED_LINE.match(text)
        if not match:
            continue
        at = datetime.fromisoformat(match.group(1).replace("Z", "+00:00")).timestamp()
        # The watchdog logs as its sleep returns, in the loop iteration that ends the stall.
        near = [stall for stall in recorded if abs(stall.end - at) < 0.5]
        best = min(near, key=lambda stall: abs(stall.end - at), default=None)
        lines.append(BlockedLine(at, float(match.group(2)), text, best))
    return lines
