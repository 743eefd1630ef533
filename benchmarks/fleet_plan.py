"""One case of ``fleet_wait.py``: its plan (sizes and times) and the emulator child process that serves it.

The emulator enforces Cloudflare's limit (1,200 requests per 300 s per token, then a lockout of every call
for 300 s), both scaled in time by the plan's ``scale``, and holds one live session per wait, each on a
livestream of its own, stopping at the plan's steady rate after its warm-up.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-fleet-token"
QUOTA, WINDOW, INTERVAL = 1200, 300.0, 30.0  # Cloudflare's limit and lockout; the default poll interval
MAX_STOP_RATE = 2.0  # stops per unscaled second

#: A session as the emulator child hands it over: session id, livestream id, stop time (epoch s) or None.
SessionPlan = tuple[str, str, float | None]


@dataclass(frozen=True)
class Plan:
    """
    One case: ``waits`` concurrent waits, times in unscaled seconds.

    :param waits: how many sessions are waited for.
    :param scale: how many times faster than real time the case runs.
    :param warm_up: seconds before the first stop.
    :param stopping: seconds over which sessions stop.
    :param tail: seconds the run goes on after the last stop.
    """

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
    """
    Child process: the rate-limited emulator with the plan's sessions; answers "stats" until "stop".

    :param plan: the case.
    :param channel: sends the connection JSON and the sessions, then (requests, 429s) per "stats".
    """
    sys.path.insert(0, str(REPO_ROOT))
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    window = plan.seconds(WINDOW)
    with RealtimeKitEmulator(token=TOKEN, port=0, max_logged_requests=10_000_000) as emulator:
        emulator.set_rate_limit(QUOTA, window, lockout=True, lockout_seconds=window)
        began = time.monotonic()
        livestreams = [emulator.add_livestream()["id"] for _ in range(plan.waits)]
        # Sessions take about as long to add as livestreams: the warm-up starts once all are there.
        first_stop = emulator.clock.now() + 2 * (time.monotonic() - began) + plan.seconds(plan.warm_up)
        sessions: list[SessionPlan] = []
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
