"""What waiting on many live sessions at once costs per 5 minutes: independent polling vs the shared poller.

The figures of the README's "Waiting on many sessions at once" table (issue #15 item 8). For each size N
and each mode, an emulator in a child process enforces Cloudflare's limit (1,200 requests per 300 s per
token, then a lockout of every call for 300 s), both scaled in time by ``--scale`` (10: a 30 s window and
lockout), and holds N live sessions that never stop, each on a livestream of its own. This process runs N
``RealtimeKitLivestreamSessionTrigger.run()`` in one event loop, as one triggerer holds them, at the default
30 s poll interval (scaled), each given its ``livestream_id`` as the deferring sensor does; the connection's
``rate_limit_window`` is scaled too, so the token's gate paces at the scaled rate. After a 60 s warm-up
(the first polls of N waits starting together) the run is measured for 300 s; all times are unscaled.

Columns: ``requests`` and ``429s``: what the emulator answered during the measured 5 minutes (retries
included); ``answers/wait``: how often, in those 5 minutes, a wait learned its session's state (a fetch or
a listing answer that reached the trigger; mean and the fewest of any wait); ``longest gap``: the longest
time one wait went without an answer (from its last answer before the window, and up to the window's end
for a wait not answered again), which bounds how late a stop can be seen; ``p50 gap``: the median of each
wait's longest gap.

    python benchmarks/fanout_cost.py                    # 30, 300 and 3,000 waits, scale 10 (about 5 minutes)
    python benchmarks/fanout_cost.py --sizes 30 --modes shared
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from fleet_wait import INTERVAL, QUOTA, WINDOW, settings_of

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-fanout-token"


@dataclass(frozen=True)
class Plan:
    """One case: ``waits`` live sessions, times in unscaled seconds."""

    waits: int
    scale: float
    warm_up: float = 60.0
    measured: float = 300.0

    def seconds(self, unscaled: float) -> float:
        return unscaled / self.scale


def serve_emulator(plan: Plan, channel: Connection) -> None:
    """Child process: the rate-limited emulator with N live sessions; counts requests in a time window."""
    sys.path.insert(0, str(REPO_ROOT))
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    window = plan.seconds(WINDOW)
    with RealtimeKitEmulator(token=TOKEN, port=0, max_logged_requests=10_000_000) as emulator:
        emulator.set_rate_limit(QUOTA, window, lockout=True, lockout_seconds=window)
        sessions = []
        for _ in range(plan.waits):
            livestream_id = emulator.add_livestream()["id"]
            sessions.append((emulator.add_session(livestream_id)["id"], livestream_id))
        channel.send((emulator.connection_json(), sessions))
        while (message := channel.recv()) != "stop":
            start, end = message
            # Emulator time is wall time here (the clock is never moved), as the parent's time.time() is.
            inside = [r for r in emulator.requests if start <= r.time < end]
            channel.send((len(inside), sum(1 for r in inside if r.status == 429)))


@dataclass
class Outcome:
    requests: int
    throttled: int
    answers: list[int]  # per wait, in the measured window
    gaps: list[float]  # per wait, the longest unscaled gap between answers


def instrumented_trigger(answers: list[float]) -> type:
    """The real trigger, with each answer it gets (the observation returned to its loop) timed."""
    from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger

    class Timed(RealtimeKitLivestreamSessionTrigger):
        async def _wait(self, observe: Callable[[], Awaitable[dict[str, Any] | None]]) -> dict[str, Any]:
            async def timed() -> dict[str, Any] | None:
                session = await observe()  # raises on a failed poll: that is no answer
                answers.append(time.time())
                return session

            return await super()._wait(timed)

    return Timed


async def drive(plan: Plan, sessions: list[tuple[str, str]], shared: bool) -> tuple[list[list[float]], float]:
    """Run every trigger for the warm-up and the measured time; return each wait's answer times and the
    measured window's start."""
    from airflow_provider_realtimekit.waits.poller_records import PollerOptions
    from airflow_provider_realtimekit.waits.poller_registry import shared_poller

    if shared:
        # Created before the triggers subscribe, so that the first-poll spread is scaled too (the poller's
        # rate already follows the connection's scaled budget).
        settings = settings_of(os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"])
        shared_poller(settings, PollerOptions(first_poll_spread=plan.seconds(5.0)))
    answers: list[list[float]] = [[] for _ in sessions]
    events: list[dict] = []

    async def wait_for(n: int, session_id: str, livestream_id: str) -> None:
        trigger = instrumented_trigger(answers[n])(
            session_id,
            poll_interval=plan.seconds(INTERVAL),
            livestream_id=livestream_id,
            shared_polling=shared,
        )
        async for event in trigger.run():
            events.append(event.payload)  # a wait on a session that never stops must not end

    began = time.time()
    tasks = [asyncio.ensure_future(wait_for(n, sid, lid)) for n, (sid, lid) in enumerate(sessions)]
    await asyncio.sleep(plan.seconds(plan.warm_up + plan.measured))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if events:
        print(f"  {len(events)} waits ended early, the first: {events[0]}", file=sys.stderr)
    return answers, began + plan.seconds(plan.warm_up)


def longest_gap(times: list[float], start: float, end: float) -> float:
    """The longest time without an answer within [start, end], counted from the last answer before start."""
    before = [t for t in times if t < start]
    marks = [before[-1] if before else start] + [t for t in times if start <= t < end] + [end]
    return max(b - a for a, b in itertools.pairwise(marks))


def run_case(plan: Plan, shared: bool) -> Outcome:
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=serve_emulator, args=(plan, child_end), daemon=True)
    child.start()
    try:
        connection_json, sessions = parent_end.recv()
        connection = json.loads(connection_json)
        # The token's gate keeps to the configured budget until the server's headers say otherwise: configure
        # the scaled window, as the emulator enforces it, or the gate would pace at the unscaled rate.
        connection["extra"]["rate_limit_quota"] = QUOTA
        connection["extra"]["rate_limit_window"] = plan.seconds(WINDOW)
        os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = json.dumps(connection)
        answers, start = asyncio.run(drive(plan, sessions, shared))
        end = start + plan.seconds(plan.measured)
        parent_end.send((start, end))
        requests, throttled = parent_end.recv()
        parent_end.send("stop")
    finally:
        child.join(10)
        if child.is_alive():
            child.terminate()
    return Outcome(
        requests=requests,
        throttled=throttled,
        answers=[sum(1 for t in times if start <= t < end) for times in answers],
        gaps=[longest_gap(times, start, end) * plan.scale for times in answers],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 300, 3_000])
    parser.add_argument("--scale", type=float, default=10.0, help="time runs this many times faster (default 10)")
    parser.add_argument("--modes", nargs="+", choices=("independent", "shared"), default=["independent", "shared"])
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="rtk-bench-airflow-home-"))
    # One INFO line per poll would time the console rather than the waits (and independent mode's warnings
    # of throttled polls would drown the table).
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    sys.path.insert(0, str(REPO_ROOT))

    print(
        f"fan-out cost: live sessions that do not stop, one token, limit {QUOTA} per {WINDOW:g} s with a "
        f"{WINDOW:g} s lockout, poll interval {INTERVAL:g} s, time scaled by {args.scale:g}; 60 s warm-up, "
        "then 5 minutes measured; times unscaled"
    )
    print(
        f"{'waits':>6} {'mode':<12} {'requests':>8} {'429s':>5} {'answers/wait':>12} {'fewest':>6} "
        f"{'p50 gap s':>9} {'longest gap s':>13}"
    )
    for waits in args.sizes:
        plan = Plan(waits, args.scale)
        for mode in args.modes:
            r = run_case(plan, mode == "shared")
            print(
                f"{waits:>6,} {mode:<12} {r.requests:>8,} {r.throttled:>5,} {statistics.mean(r.answers):>12.1f} "
                f"{min(r.answers):>6} {statistics.median(r.gaps):>9.0f} {max(r.gaps):>13.0f}",
                flush=True,
            )
    print("requests/429s: in the measured 5 minutes, as the emulator answered them, retries included.")


if __name__ == "__main__":
    main()
