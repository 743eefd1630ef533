"""The livestream usage pull at 1,000, 10,000 and 100,000 sessions: requests, speed and memory.

For each size, an emulator in a child process (no rate limit) is seeded with finished sessions inside one
day; this process then calls :func:`pull_livestream_usage` for that day through a real
:class:`RealtimeKitHook` over HTTP, twice: once timed, once under ``tracemalloc`` for the peak memory
growth of the pull (the emulator's own memory is in the other process, so it is not counted). It prints:

- ``requests`` / ``pages``: requests the hook sent (retries included) vs the minimum, one per page of the
  livestream list plus one per page of each livestream's sessions (targets: equal);
- ``rows/s``: rows written per second of wall time, HTTP included;
- ``peak MB``: the pull's peak Python heap growth, tracemalloc (target: under 50 MB at 100,000 sessions).

    python benchmarks/usage_pull.py                  # 1k, 10k and 100k sessions, JSONL
    python benchmarks/usage_pull.py --sizes 1000 --format csv
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-usage-token"
PER_PAGE = 100  # what the hook asks for; the emulator serves up to 100 by default
WINDOW_START = "2026-03-01T00:00:00+00:00"
WINDOW_END = "2026-03-02T00:00:00+00:00"


@dataclass(frozen=True)
class Layout:
    """How a size is spread: ``livestreams`` livestreams with ``sessions_each`` sessions each."""

    livestreams: int
    sessions_each: int

    @property
    def sessions(self) -> int:
        return self.livestreams * self.sessions_each

    @property
    def pages_needed(self) -> int:
        return math.ceil(self.livestreams / PER_PAGE) + self.livestreams * max(
            1, math.ceil(self.sessions_each / PER_PAGE)
        )


LAYOUTS = {
    1_000: Layout(10, 100),
    10_000: Layout(50, 200),
    100_000: Layout(200, 500),
}


def serve_emulator(layout: Layout, channel: Connection) -> None:
    """Child process: seed an emulator, send its connection, answer "requests" until "stop"."""
    sys.path.insert(0, str(REPO_ROOT))
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    with RealtimeKitEmulator(token=TOKEN, port=0, rate_limit=None) as emulator:
        emulator.seed(layout.livestreams, layout.sessions_each, start=WINDOW_START, end=WINDOW_END, rng_seed=1)
        channel.send(emulator.connection_json())
        while (command := channel.recv()) != "stop":
            if command == "requests":
                channel.send(len(emulator.requests))
            elif command == "clear":
                emulator.clear_requests()
                channel.send(None)


def unthrottled(connection_json: str) -> str:
    """The connection with a budget no pull can reach: this measures the pull, not the token's pacing
    (the emulator here has no rate limit; tests/waits shows pulls pacing under one)."""
    connection = json.loads(connection_json)
    connection["extra"]["rate_limit_quota"] = 10**9
    return json.dumps(connection)


def pull_once(output: Path, output_format: str, traced: bool) -> tuple[dict[str, Any], float, float]:
    """One pull; return its summary, wall seconds and (when traced) peak heap growth in MB."""
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
    from airflow_provider_realtimekit.operators.usage import pull_livestream_usage, resolve_window

    window = resolve_window(WINDOW_START, WINDOW_END, None, None)
    with RealtimeKitHook() as hook:
        hook.settings  # noqa: B018  (read the connection before measuring)
        if traced:
            tracemalloc.start()
            baseline = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        summary = pull_livestream_usage(hook, window, str(output), format=output_format)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        peak_mb = 0.0
        if traced:
            peak_mb = (tracemalloc.get_traced_memory()[1] - baseline) / 2**20
            tracemalloc.stop()
    return summary, seconds, peak_mb


def warm_up(workdir: Path) -> None:
    """Pay one-off costs outside the timings: the first ObjectStoragePath write sets up Airflow's lineage
    collector (about a second), which a real task pays once per process too."""
    from airflow.sdk import ObjectStoragePath

    with ObjectStoragePath(str(workdir / "warm-up")).open("wb") as stream:
        stream.write(b"\n")


def measure(size: int, output_format: str, workdir: Path) -> dict[str, Any]:
    layout = LAYOUTS.get(size) or Layout(max(1, size // 500), min(size, 500))
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=serve_emulator, args=(layout, child_end), daemon=True)
    child.start()
    try:
        os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = unthrottled(parent_end.recv())
        output = workdir / f"usage-{size}.{output_format}"
        summary, seconds, _ = pull_once(output, output_format, traced=False)
        parent_end.send("requests")
        served = parent_end.recv()
        _, _, peak_mb = pull_once(output, output_format, traced=True)
        parent_end.send("stop")
    finally:
        child.join(10)
        if child.is_alive():
            child.terminate()
    return {
        "sessions": layout.sessions,
        "livestreams": layout.livestreams,
        "rows": summary["rows"],
        "seconds": seconds,
        "requests": summary["api_requests"],
        "served": served,
        "pages": layout.pages_needed,
        "rows_per_s": summary["rows"] / seconds,
        "peak_mb": peak_mb,
        "file_mb": output.stat().st_size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(LAYOUTS), help="session counts")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    args = parser.parse_args()

    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="rtk-bench-airflow-home-"))
    # The hook logs one INFO line per HTTP request: that would time the console rather than the pull.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO_ROOT))

    header = (
        f"{'sessions':>9} {'livestreams':>11} {'rows':>8} {'wall s':>7} {'requests':>8} {'pages':>6} "
        f"{'served':>7} {'rows/s':>8} {'peak MB':>8} {'file MB':>8}"
    )
    print(f"usage pull, format {args.format}, per_page {PER_PAGE}, Python {sys.version.split()[0]}")
    print(header)
    with tempfile.TemporaryDirectory(prefix="rtk-bench-usage-") as workdir:
        warm_up(Path(workdir))
        for size in args.sizes:
            r = measure(size, args.format, Path(workdir))
            print(
                f"{r['sessions']:>9,} {r['livestreams']:>11} {r['rows']:>8,} {r['seconds']:>7.2f} "
                f"{r['requests']:>8} {r['pages']:>6} {r['served']:>7} {r['rows_per_s']:>8,.0f} "
                f"{r['peak_mb']:>8.2f} {r['file_mb']:>8.1f}",
                flush=True,
            )
    print("requests: sent by the hook; pages: minimum needed; served: requests the emulator logged.")


if __name__ == "__main__":
    main()
