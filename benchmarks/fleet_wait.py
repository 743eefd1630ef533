"""Many deferred waits on one token: independent polling vs the shared poller, side by side (issue #14).

For each size N and each mode, an emulator in a child process enforces Cloudflare's limit (1,200 requests
per 300 s per token, then a lockout of every call for 300 s), both scaled in time by ``--scale`` (10: a
30 s window and lockout). It holds N live sessions, each on a livestream of its own (``fleet_plan.py``).
N ``RealtimeKitLivestreamSessionTrigger.run()`` wait in one event loop, as one triggerer holds them, at the
default 30 s poll interval (scaled), each given its ``livestream_id`` as the deferring sensor does. After a
warm-up of 60 s, sessions stop at a steady rate, ``min(2/s, N / 600 s)``, for 600 s; the run then goes on
150 s so the last stops can be seen, and the waits still live are cancelled. All times are printed unscaled.

The shared poller also runs with the same N waits split round-robin over 2 and 3 processes (``procs``),
each with its own event loop and poller, as Airflow's 2 or 3 triggerers are: they share nothing but the
token, and learn how much of it the others spend only from the server's ``Ratelimit`` count.

Columns: ``requests`` and ``429s`` the emulator answered; ``detected``: stopped sessions whose trigger
fired ``success`` with that session's own stopped payload, out of those that stopped; ``wrong``: any other
ending of a wait (a wrong or missing payload, a ``failed`` event); detection latency from the stop to the
event (p50/p95/max, unscaled s); ``loop CPU s``: CPU time of the threads running the triggers and the
poller (summed over the processes); ``poller KB``: heap held by one shared poller for its share of the
subscribed waits (tracemalloc, measured apart).

    python benchmarks/fleet_wait.py            # 120, 1,000 (also over 2 and 3 processes), 10,000 waits
    python benchmarks/fleet_wait.py --quick    # 120 and 1,000 waits, 300 s of stops
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from fleet_plan import INTERVAL, QUOTA, REPO_ROOT, WINDOW, Plan, SessionPlan, serve_emulator

__all__ = ["INTERVAL", "QUOTA", "WINDOW", "settings_of"]  # fanout_cost.py reuses these


@dataclass
class Outcome:
    requests: int = 0
    throttled: int = 0
    stopped: int = 0
    detected: int = 0
    wrong: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0


async def drive(plan: Plan, sessions: list[SessionPlan], shared: bool) -> tuple[dict, float]:
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


def wait_in_child(plan: Plan, channel: Connection) -> None:
    """
    Child process: one triggerer's share of the waits, in its own event loop with its own shared poller.

    :param plan: the case.
    :param channel: says "ready" once Airflow is imported, receives the connection JSON and its sessions,
        and sends back the events by session id and the loop's CPU seconds.
    """
    sys.path.insert(0, str(REPO_ROOT))
    # Imported before the sessions exist: Airflow's import takes seconds, which the warm-up cannot spare.
    from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger  # noqa: F401

    channel.send("ready")
    connection_json, sessions = channel.recv()
    os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = connection_json
    channel.send(asyncio.run(drive(plan, sessions, shared=True)))


def run_case(plan: Plan, shared: bool, processes: int = 1) -> Outcome:
    """
    One row of the table: the plan's waits in this process, or split round-robin over ``processes`` children.

    :param plan: the case.
    :param shared: the shared poller (True) or independent polling.
    :param processes: how many processes (each its own event loop and poller) share the waits.
    """
    context = multiprocessing.get_context("spawn")
    children: list[tuple[Any, Connection]] = []
    try:
        if processes > 1:
            for _ in range(processes):
                parent_end, child_end = context.Pipe()
                waiter = context.Process(target=wait_in_child, args=(plan, child_end), daemon=True)
                waiter.start()
                child_end.close()  # so that a child that dies makes recv() fail instead of hang
                children.append((waiter, parent_end))
            for _, channel in children:
                channel.recv()  # "ready"
        parent_end, child_end = context.Pipe()
        emulator = context.Process(target=serve_emulator, args=(plan, child_end), daemon=True)
        emulator.start()
        children.append((emulator, parent_end))
        connection_json, sessions = parent_end.recv()
        connection = json.loads(connection_json)
        # The token's rate gate keeps to the configured budget until the server's headers tell it otherwise:
        # configure the scaled window, as the emulator enforces it.
        connection["extra"]["rate_limit_window"] = plan.seconds(WINDOW)
        connection_json = json.dumps(connection)
        if processes > 1:
            for n, (_, channel) in enumerate(children[:processes]):
                channel.send((connection_json, sessions[n::processes]))
            events, cpu = {}, 0.0
            for _, channel in children[:processes]:
                child_events, child_cpu = channel.recv()
                events.update(child_events)
                cpu += child_cpu
        else:
            os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = connection_json
            events, cpu = asyncio.run(drive(plan, sessions, shared))
        parent_end.send("stats")
        requests, throttled = parent_end.recv()
        parent_end.send("stop")
    finally:
        for child, _ in children:
            child.join(10)
            if child.is_alive():
                child.terminate()
    return score(plan, sessions, events, Outcome(requests=requests, throttled=throttled, cpu=cpu))


def score(plan: Plan, sessions: list[SessionPlan], events: dict, outcome: Outcome) -> Outcome:
    """
    Count what the waits saw against what the emulator did.

    :param plan: the case.
    :param sessions: every session of the case.
    :param events: the event payload and its epoch time, by session id.
    :param outcome: the request counts and CPU, to complete.
    """
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
    """
    Bytes per wait the shared poller holds for ``waits`` subscribed waits, as ``poller_footprint.py`` measures.

    Its ``measure()``: the emulator in a child process, 20 warm-up waits answered first, then tracemalloc over
    the subscriptions alone (no request sent for them; nothing of this benchmark's own bookkeeping counted).
    """
    from poller_footprint import measure

    return measure(waits, answer=False).subscribed


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cases(modes: list[str], waits: int, split_at: list[int], ways: list[int]) -> list[tuple[str, int]]:
    """The rows of one size: each mode in one process, then the shared poller split over processes."""
    rows = [(mode, 1) for mode in modes]
    if "shared" in modes and waits in split_at:
        rows += [("shared", n) for n in ways if n > 1]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[120, 1_000, 10_000])
    parser.add_argument(
        "--scale", type=float, default=None, help="time runs this many times faster (default: 10, and 3 at 10,000)"
    )
    parser.add_argument("--quick", action="store_true", help="120 and 1,000 waits, 300 s of stops")
    parser.add_argument("--modes", nargs="+", choices=("independent", "shared"), default=["independent", "shared"])
    parser.add_argument(
        "--split-at", type=int, nargs="*", default=[1_000], help="sizes also run split over processes (1,000)"
    )
    parser.add_argument("--processes", type=int, nargs="*", default=[2, 3], help="how many ways to split (2 3)")
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="rtk-bench-airflow-home-"))
    # One INFO line per request and per poll would time the console rather than the poller.
    # (and the warnings of failed polls, by the thousand in independent mode, would drown the table).
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    sys.path.insert(0, str(REPO_ROOT))
    sizes, stopping = args.sizes, 600.0
    if args.quick:
        sizes, stopping = [120, 1_000], 300.0

    began = time.monotonic()
    print(
        f"fleet wait: one token, limit {QUOTA} per {WINDOW:g} s with a {WINDOW:g} s lockout, poll interval "
        f"{INTERVAL:g} s, time scaled by 'scale' (10: window and lockout last 30 s); times below are unscaled; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'waits':>6} {'mode':<12} {'procs':>5} {'scale':>5} {'stops/s':>7} {'requests':>8} {'429s':>6} "
        f"{'detected':>11} {'wrong':>5} "
        f"{'p50 s':>6} {'p95 s':>6} {'max s':>6} {'loop CPU s':>10} {'poller B/wait':>13} {'load':>5}"
    )
    for waits in sizes:
        # The emulator answers a page of a 10,000-livestream listing in about 0.1 s: at scale 10 that alone
        # would be a second of unscaled time per page, so the largest size runs closer to real time.
        scale = args.scale or (10.0 if waits <= 1_000 else 3.0)
        plan = Plan(waits, scale, stopping=stopping)
        for mode, processes in cases(args.modes, waits, args.split_at, args.processes):
            shared = mode == "shared"
            memory = poller_memory(math.ceil(waits / processes)) if shared else float("nan")
            r = run_case(plan, shared, processes)
            lat = r.latencies
            print(
                f"{waits:>6,} {mode:<12} {processes:>5} {scale:>5g} {plan.stop_rate:>7.2f} {r.requests:>8,} "
                f"{r.throttled:>6,} {f'{r.detected:,}/{r.stopped:,}':>11} {r.wrong:>5} "
                f"{percentile(lat, 0.5):>6.0f} {percentile(lat, 0.95):>6.0f} {max(lat, default=float('nan')):>6.0f} "
                f"{r.cpu:>10.1f} {memory:>13.0f} {os.getloadavg()[0]:>5.1f}",
                flush=True,
            )
    print(
        "loop CPU s: for the whole run, summed over the processes. poller B/wait: one poller's heap per "
        "subscribed wait, for its share of the waits (as poller_footprint.py measures it). requests/429s: as "
        "the emulator answered them, retries included. load: the 1-minute load average "
        f"at the row's end. Whole run: {(time.monotonic() - began) / 60:.1f} min."
    )


if __name__ == "__main__":
    main()
