"""Many deferred waits on one token: independent polling vs the shared poller, side by side (issue #14).

For each size N and each mode, an emulator in a child process enforces Cloudflare's limit (1,200 requests
per 300 s per token, then a lockout of every call for 300 s), both scaled in time by ``--scale`` (10: a
30 s window and lockout). It holds N live sessions, each on a livestream of its own. This process runs N
``RealtimeKitLivestreamSessionTrigger.run()`` in one event loop, as one triggerer holds them, at the default
30 s poll interval (scaled), each given its ``livestream_id`` as the deferring sensor does. After a warm-up
of 60 s, sessions stop at a steady rate, ``min(2/s, N / 600 s)``, for 600 s; the run then goes on 150 s so
the last stops can be seen, and the waits still live are cancelled. All times are printed unscaled.

Columns: ``requests`` and ``429s`` the emulator answered; ``detected``: stopped sessions whose trigger
fired ``success`` with that session's own stopped payload, out of those that stopped; ``wrong``: any other
ending of a wait (a wrong or missing payload, a ``failed`` event); detection latency from the stop to the
event (p50/p95/max, unscaled s); ``loop CPU s``: CPU time of the thread running the triggers and the
poller; ``poller KB``: heap held by the shared poller for N subscribed waits (tracemalloc, measured apart).

    python benchmarks/fleet_wait.py            # 120, 1,000 and 10,000 waits, scale 10 (about 15 minutes)
    python benchmarks/fleet_wait.py --quick    # 120 and 1,000 waits, 300 s of stops (about 3 minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-fleet-token"
QUOTA, WINDOW, INTERVAL = 1200, 300.0, 30.0  # Cloudflare's limit and lockout; the default poll interval
MAX_STOP_RATE = 2.0  # stops per unscaled second


@dataclass(frozen=True)
class Plan:
    """One case: ``waits`` concurrent waits, times in unscaled seconds."""

    waits: int
    scale: float
    warm_up: float = 60.0
    stopping: float = 600.0
    tail: float = 150.0

    @property
    def stop_rate(self) -> float:
        return min(MAX_STOP_RATE, self.waits / self.stopping)

    @property
    def stops(self) -> int:
        return min(self.waits, int(self.stop_rate * self.stopping))

    def seconds(self, unscaled: float) -> float:
        return unscaled / self.scale


def serve_emulator(plan: Plan, channel: Connection) -> None:
    """Child process: the rate-limited emulator with the plan's sessions; answers "stats" until "stop"."""
    sys.path.insert(0, str(REPO_ROOT))
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    window = plan.seconds(WINDOW)
    with RealtimeKitEmulator(token=TOKEN, port=0, max_logged_requests=10_000_000) as emulator:
        emulator.set_rate_limit(QUOTA, window, lockout=True, lockout_seconds=window)
        began = time.monotonic()
        livestreams = [emulator.add_livestream()["id"] for _ in range(plan.waits)]
        # Sessions take about as long to add as livestreams: the warm-up starts once all are there.
        first_stop = emulator.clock.now() + 2 * (time.monotonic() - began) + plan.seconds(plan.warm_up)
        sessions = []
        for n, livestream_id in enumerate(livestreams):
            stop_at = first_stop + plan.seconds(n / plan.stop_rate) if n < plan.stops else None
            session = emulator.add_session(
                livestream_id, stops_after=None if stop_at is None else stop_at - emulator.clock.now()
            )
            sessions.append((session["id"], livestream_id, stop_at))
        channel.send((emulator.connection_json(), sessions))
        while channel.recv() != "stop":
            records = emulator.requests
            channel.send((len(records), sum(1 for r in records if r.status == 429)))


@dataclass
class Outcome:
    requests: int = 0
    throttled: int = 0
    stopped: int = 0
    detected: int = 0
    wrong: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0


async def drive(plan: Plan, sessions: list[tuple[str, str, float | None]], shared: bool) -> tuple[dict, float]:
    """Run every trigger in this loop until the plan's end; return events by session id, and loop CPU."""
    from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger

    poller = await open_scaled_poller(plan) if shared else None
    events: dict[str, tuple[dict, float]] = {}

    async def wait_for(session_id: str, livestream_id: str) -> None:
        trigger = RealtimeKitLivestreamSessionTrigger(
            session_id,
            poll_interval=plan.seconds(INTERVAL),
            livestream_id=livestream_id,
            shared_polling=shared,
        )
        async for event in trigger.run():
            events[session_id] = (event.payload, time.time())
            return

    cpu_started = time.thread_time()
    tasks = [asyncio.ensure_future(wait_for(sid, lid)) for sid, lid, _ in sessions]
    ends = [stop for _, _, stop in sessions if stop is not None]
    end = (max(ends) if ends else time.time()) + plan.seconds(plan.tail)
    await asyncio.sleep(max(0.0, end - time.time()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if poller is not None and os.environ.get("FLEET_WAIT_DEBUG"):
        print(poller.stats, file=sys.stderr)
    return events, time.thread_time() - cpu_started


def settings_of(connection_json: str) -> Any:
    """The checked settings of a connection given as JSON."""
    from airflow.sdk import Connection

    from airflow_provider_realtimekit.api import ClientSettings

    conn = json.loads(connection_json)
    return ClientSettings.from_connection(
        Connection(
            conn_id="realtimekit_default",
            conn_type="realtimekit",
            host=conn["host"],
            password=conn["password"],
            extra=json.dumps(conn["extra"]),
        )
    )


async def open_scaled_poller(plan: Plan) -> Any:
    """Create the token's poller with the plan's time scale before the triggers subscribe to it."""
    from airflow_provider_realtimekit.waits.poller_records import PollerOptions
    from airflow_provider_realtimekit.waits.poller_registry import shared_poller

    settings = settings_of(os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"])
    # The poller's rate follows the connection's (scaled) budget; only the first-poll spread is scaled here.
    return shared_poller(settings, PollerOptions(first_poll_spread=plan.seconds(5.0)))


def run_case(plan: Plan, shared: bool) -> Outcome:
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=serve_emulator, args=(plan, child_end), daemon=True)
    child.start()
    try:
        connection_json, sessions = parent_end.recv()
        connection = json.loads(connection_json)
        # The token's rate gate keeps to the configured budget until the server's headers tell it otherwise:
        # configure the scaled window, as the emulator enforces it.
        connection["extra"]["rate_limit_window"] = plan.seconds(WINDOW)
        os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = json.dumps(connection)
        events, cpu = asyncio.run(drive(plan, sessions, shared))
        parent_end.send("stats")
        requests, throttled = parent_end.recv()
        parent_end.send("stop")
    finally:
        child.join(10)
        if child.is_alive():
            child.terminate()
    outcome = Outcome(requests=requests, throttled=throttled, cpu=cpu)
    for session_id, _, stop_at in sessions:
        event, at = events.get(session_id, (None, 0.0))
        outcome.stopped += stop_at is not None
        if event is None:
            continue
        payload = event.get("session") or {}
        own = stop_at is not None and event["status"] == "success" and payload.get("id") == session_id
        if own and payload.get("stopped_time"):
            outcome.detected += 1
            outcome.latencies.append((at - stop_at) * plan.scale)
            continue
        outcome.wrong += 1
    return outcome


def poller_memory(waits: int) -> float:
    """KB the shared poller holds for ``waits`` subscribed waits (no request is sent)."""
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    async def subscribe_all() -> float:
        from contextlib import AsyncExitStack

        from airflow_provider_realtimekit.waits.poller_registry import shared_poller

        with RealtimeKitEmulator(token=TOKEN) as emulator:
            poller = shared_poller(settings_of(emulator.connection_json()))
            async with AsyncExitStack() as stack:
                await stack.enter_async_context(poller.subscribe("warm-up"))
                tracemalloc.start()
                before = tracemalloc.get_traced_memory()[0]
                for n in range(waits):
                    await stack.enter_async_context(poller.subscribe(f"session-{n}", f"livestream-{n}"))
                held = tracemalloc.get_traced_memory()[0] - before
                tracemalloc.stop()
            return held / 1024

    return asyncio.run(subscribe_all())


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[120, 1_000, 10_000])
    parser.add_argument(
        "--scale", type=float, default=None, help="time runs this many times faster (default: 10, and 3 at 10,000)"
    )
    parser.add_argument("--quick", action="store_true", help="120 and 1,000 waits, 300 s of stops")
    parser.add_argument("--modes", nargs="+", choices=("independent", "shared"), default=["independent", "shared"])
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="rtk-bench-airflow-home-"))
    # One INFO line per request and per poll would time the console rather than the poller.
    # (and the warnings of failed polls, by the thousand in independent mode, would drown the table).
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    sys.path.insert(0, str(REPO_ROOT))
    sizes, stopping = args.sizes, 600.0
    if args.quick:
        sizes, stopping = [120, 1_000], 300.0

    print(
        f"fleet wait: one token, limit {QUOTA} per {WINDOW:g} s with a {WINDOW:g} s lockout, poll interval "
        f"{INTERVAL:g} s, time scaled by 'scale' (10: window and lockout last 30 s); times below are unscaled"
    )
    print(
        f"{'waits':>6} {'mode':<12} {'scale':>5} {'stops/s':>7} {'requests':>8} {'429s':>6} {'detected':>11} "
        f"{'wrong':>5} "
        f"{'p50 s':>6} {'p95 s':>6} {'max s':>6} {'loop CPU s':>10} {'poller KB':>9}"
    )
    for waits in sizes:
        # The emulator answers a page of a 10,000-livestream listing in about 0.1 s: at scale 10 that alone
        # would be a second of unscaled time per page, so the largest size runs closer to real time.
        scale = args.scale or (10.0 if waits <= 1_000 else 3.0)
        plan = Plan(waits, scale, stopping=stopping)
        memory = poller_memory(waits)
        for mode in args.modes:
            shared = mode == "shared"
            r = run_case(plan, shared)
            lat = r.latencies
            print(
                f"{waits:>6,} {mode:<12} {scale:>5g} {plan.stop_rate:>7.2f} {r.requests:>8,} {r.throttled:>6,} "
                f"{f'{r.detected:,}/{r.stopped:,}':>11} {r.wrong:>5} {percentile(lat, 0.5):>6.0f} "
                f"{percentile(lat, 0.95):>6.0f} {max(lat, default=float('nan')):>6.0f} {r.cpu:>10.1f} "
                f"{memory if shared else float('nan'):>9.0f}",
                flush=True,
            )
    print("loop CPU s: for the whole run. requests/429s: as the emulator answered them, retries included.")


if __name__ == "__main__":
    main()
