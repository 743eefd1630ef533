"""What each wait costs the shared poller in memory: heap bytes per wait, measured with ``tracemalloc``.

Two figures for N waits of one token, against an emulator in a child process (so that its own allocations
are not counted), after 20 warm-up waits have loaded the modules and opened the HTTP client:

* **subscribed**: N waits subscribed, nothing sent yet: the poller's ``WaitState``, its ``Subscription``
  and their entries in the poller's set and counters.
* **answered**: the same waits after one fetch of their session and one answer from the listing each (the
  state a long wait spends its life in): the above, plus each watched livestream in the poller's snapshot
  of the listing, and whatever fetched answers the poller still holds. Also counted, though not per wait:
  the token gate's record of the requests of its window, and httpx's and ``re``'s caches.

Not counted: the trigger's own coroutine and task, and the ids the trigger holds in its kwargs.

    python benchmarks/poller_footprint.py            # 1,000 waits (10,000 did not finish in 49 min here)
    python benchmarks/poller_footprint.py --waits 120
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import sys
import tracemalloc
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-footprint-token"
WARM_UP = 20


@dataclass(frozen=True)
class Footprint:
    """Heap bytes per wait: subscribed, and after a fetch and a listing answer each."""

    waits: int
    subscribed: float
    answered: float


def serve_live_sessions(waits: int, channel: Connection) -> None:
    """
    Child process: an emulator without a rate limit holding ``waits`` live sessions that do not stop.

    :param waits: how many sessions, each on its own livestream.
    :param channel: sends the connection JSON and the session ids, then waits for "stop".
    """
    sys.path.insert(0, str(REPO_ROOT))
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    with RealtimeKitEmulator(token=TOKEN, port=0) as emulator:
        sessions = emulator.add_live_fleet(waits, stop_spread=None)
        channel.send((emulator.connection_json(), [session["id"] for session in sessions]))
        channel.recv()


async def measure_in_loop(connection_json: str, session_ids: list[str], answer: bool = True) -> Footprint:
    """The two figures (the second NaN without ``answer``), for the sessions after the warm-up's."""
    from airflow.sdk import Connection as AirflowConnection

    from airflow_provider_realtimekit.api import ClientSettings
    from airflow_provider_realtimekit.waits.poller import SharedPoller, Subscription
    from airflow_provider_realtimekit.waits.poller_records import PollerOptions

    conn = json.loads(connection_json)
    settings = ClientSettings.from_connection(
        AirflowConnection(
            conn_id="realtimekit_default",
            conn_type="realtimekit",
            host=conn["host"],
            password=conn["password"],
            extra=json.dumps({**conn["extra"], "rate_limit_quota": 1_000_000}),
        )
    )
    poller = SharedPoller(settings, PollerOptions(first_poll_spread=0, rate=100_000, burst=100_000))

    async def answer_twice(subscriptions: list[Subscription]) -> None:
        for _ in range(2):  # a wait resumed without its livestream id: a fetch first, then the listing
            # Tasks dropped once done (not gather(): its finished future outlived the round here).
            done, _ = await asyncio.wait([asyncio.ensure_future(s.observe()) for s in subscriptions])
            for task in done:
                task.result()
            del done

    warm_up = [await poller.subscribe(session_id).__aenter__() for session_id in session_ids[:WARM_UP]]
    await answer_twice(warm_up)
    measured = session_ids[WARM_UP:]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    subscriptions = [await poller.subscribe(session_id).__aenter__() for session_id in measured]
    subscribed = tracemalloc.get_traced_memory()[0] - before
    answered = float("nan")
    if answer:
        await answer_twice(subscriptions)
        gc.collect()
        answered = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    for subscription in [*warm_up, *subscriptions]:
        await subscription.__aexit__(None, None, None)
    return Footprint(len(measured), subscribed / len(measured), answered / len(measured))


def measure(waits: int, answer: bool = True) -> Footprint:
    """
    Bytes per wait the shared poller holds for ``waits`` waits (see the module docstring).

    :param waits: how many waits to measure.
    :param answer: also measure them answered (False: the subscribed figure only, ``answered`` is NaN).
    """
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=serve_live_sessions, args=(waits + WARM_UP, child_end), daemon=True)
    child.start()
    child_end.close()
    try:
        connection_json, session_ids = parent_end.recv()
        return asyncio.run(measure_in_loop(connection_json, session_ids, answer))
    finally:
        parent_end.send("stop")
        child.join(10)
        if child.is_alive():
            child.terminate()


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waits", type=int, nargs="+", default=[1_000])
    args = parser.parse_args(argv)
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    sys.path.insert(0, str(REPO_ROOT))
    print("| Waits | Subscribed, per wait | After a fetch and a listing answer, per wait |")
    print("|---|---|---|")
    for waits in args.waits:
        footprint = measure(waits)
        print(f"| {waits:,} | {footprint.subscribed:.0f} B | {footprint.answered:.0f} B |", flush=True)


if __name__ == "__main__":
    main()
