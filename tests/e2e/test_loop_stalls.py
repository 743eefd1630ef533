"""The e2e's loop-stall recorder and attribution (`tests/e2e/loop_stalls`), without a deployment.

The recorder runs in a real interpreter with a real event loop whose coroutine blocks it: by sleeping (off
the CPU), by spinning (on the CPU) and by a full garbage collection; the attribution is checked on lines
shaped like Airflow's watchdog lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from tests.e2e import loop_stalls

BLOCKING_LOOP = """
import asyncio, gc, time

async def main():
    await asyncio.sleep(0.1)
    time.sleep(0.3)                      # blocked off the CPU
    await asyncio.sleep(0.1)
    start = time.monotonic()
    while time.monotonic() - start < 0.3:  # blocked on the CPU
        pass
    await asyncio.sleep(0.1)
    keep = [[] for _ in range(300_000)]
    gc.collect()                         # a full collection, on the loop's thread
    await asyncio.sleep(0.1)

asyncio.run(main())
"""


def _record(tmp_path: Path) -> list[loop_stalls.Stall]:
    directory = tmp_path / "stalls"
    env = {**os.environ, **loop_stalls.environment(directory, os.environ.get("PYTHONPATH"))}
    subprocess.run([sys.executable, "-c", BLOCKING_LOOP], env=env, check=True, timeout=60)
    return loop_stalls.stalls(directory)


def test_the_recorder_sees_each_stall_with_its_cpu_time(tmp_path):
    stalls = _record(tmp_path)

    long_ones = [stall for stall in stalls if stall.gap >= 0.25]
    # Slept: hardly any CPU, yet the loop was blocked (not starved).
    assert any(stall.cpu < 0.1 and not stall.starved for stall in long_ones), stalls
    # Spun: the thread ran, or was ready to, all along.
    assert any(stall.cpu + stall.runqueue >= 0.25 and stall.cpu >= 0.1 for stall in long_ones), stalls


def _line(at: float, seconds: float) -> str:
    stamp = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp} [info     ] Triggerer's async thread was blocked for {seconds:.2f} seconds, likely by ...\n"


def test_each_line_is_attributed_from_the_stall_it_saw(tmp_path):
    directory = tmp_path / "stalls"
    directory.mkdir()
    records = [
        '{"end": 1000.0, "gap": 0.5, "cpu": 0.05, "runqueue": 0.45}',  # waited for a CPU
        '{"end": 2000.0, "gap": 0.5, "cpu": 0.4, "runqueue": 0.1}',  # the loop's own work
        '{"end": 2999.9, "gc_generation": 2, "gc_seconds": 0.45}',
        '{"end": 3000.0, "gap": 0.5, "cpu": 0.2, "runqueue": 0.3}',  # a collection, partly starved
    ]
    (directory / "1.jsonl").write_text("\n".join(records) + "\n")
    log = tmp_path / "triggerer.log"
    log.write_text("".join(_line(at, 0.6) for at in (1000.1, 2000.1, 3000.1, 4000.0)) + "other line\n")

    lines = loop_stalls.blocked_lines(log, directory)

    assert [line.attribution for line in lines] == ["starved", "blocked", "garbage collection", "unmatched"]
    assert "0.45 s of garbage collection" in lines[2].describe()
