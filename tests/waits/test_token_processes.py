"""Two and three processes on one token (Airflow's HA triggerers, or workers): each paces on the server's
remaining count, and together they never trip the limit (issue #14.5). Real processes, real emulator."""

from __future__ import annotations

import json

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.waits.token_processes import run_processes

QUOTA, WINDOW, SECONDS = 40, 2.0, 5.0


@pytest.mark.paced_gates
@pytest.mark.parametrize("processes", [2, 3])
def test_processes_on_one_token_together_stay_under_the_limit(emulator: RealtimeKitEmulator, processes: int):
    # Cloudflare's 1,200 per 300 s and 5-minute lockout, scaled to 40 per 2 s and a 30 s lockout: one
    # overrun would turn every later request into a 429.
    emulator.set_rate_limit(QUOTA, window=WINDOW, lockout=True, lockout_seconds=30)
    livestream = emulator.add_livestream()["id"]
    connection = emulator.connection()
    # The configured budget is deliberately generous: only the server's headers can keep them apart.
    connection["extra"].update(rate_limit_quota=QUOTA * processes, rate_limit_window=WINDOW)

    results = run_processes(processes, json.dumps(connection), livestream, SECONDS)

    statuses = [record.status for record in emulator.requests]
    assert statuses.count(429) == 0
    assert all(result.failures == {} for result in results), results
    assert all(result.answered > 0 for result in results), results  # nobody starved
    assert sum(result.answered for result in results) == len(statuses)
    # The budget is used, not wasted: at least half of what the windows afford after the 10% reserve.
    assert len(statuses) >= 0.5 * (QUOTA - 4) * SECONDS / WINDOW
