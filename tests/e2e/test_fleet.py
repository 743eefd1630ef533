"""End to end: a fleet of 30 deferred sensors (one mapped task) on one token, on PostgreSQL with two triggerers.

The emulator holds 30 live livestreams, each with one live session. One run of the fleet DAG maps the
deferrable session sensor over the 30 sessions; once every mapped sensor has deferred, the test watches
`STEADY_CYCLES` poll cycles in which nothing stops (the requests per cycle are counted there), then stops
the sessions one by one over `STOP_SPREAD` seconds and waits for the run to finish. Each test reads what
that run left: XComs, the emulator's request log, the log files.

The shared poller of issue #14 answers a poll cycle of the 30 waits with a few requests (each triggerer
polls the app's live listing once per cycle, plus the fetches of stopped sessions and audits). One
expectation is still marked xfail (not strict), for what was measured with the poller: at most 10 requests
per cycle. A poller holding fewer than its `coalesce_from` (8) waits fetches each of them directly, so an
uneven split between the two triggerers (23/7 on Airflow 3.1.5) costs 10 to 11 requests per cycle, where an
even one (13/17 on 3.3.2) costs 2 to 4.

"Triggerer's async thread was blocked" (#14.7): each triggerer used to log it at its first trigger, as
Airflow imported the trigger's module, with the hook, protocol, poller and `requests`, on its event loop
(0.33-0.37 s), and on Airflow 3.1 again at the first request, as httpx imported anyio's asyncio backend
there (0.95-1.49 s; py-spy stacks). Both imports now run in worker threads. On the 2 shared cores the
watchdog also fires when the loop's thread only waited for a CPU; the triggerers record every stall of
their loop with its CPU time and run-queue wait (`tests/e2e/loop_stalls`), so the test fails only on a
line where the loop itself was busy or blocked after its first trigger started.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator, RequestRecord
from tests.e2e import loop_stalls
from tests.e2e.dags.realtimekit_fleet import DAG_ID, POKE_INTERVAL, SENSOR
from tests.e2e.deployment import Deployment
from tests.e2e.pool import TOKEN, Stack

# Above the sum of the fixture's own bounded waits, so that a stuck run fails with the components' log tails.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

WAITS = 30
#: Poll cycles counted while every sensor waits and no session has stopped yet.
STEADY_CYCLES = 2
#: The sessions stop one by one, evenly spread over this many seconds after the steady cycles.
STOP_SPREAD = 40.0
#: Requests per poll cycle that a shared poller must stay under with WAITS waits (issue #14).
MAX_REQUESTS_PER_CYCLE = 10


@dataclass
class Fleet:
    """The fleet run and what was seen of it."""

    run_id: str
    session_ids: list[str]
    livestream_ids: list[str]
    state: str | None = None
    #: When every mapped sensor had deferred, and when the steady cycles ended (emulator clock).
    all_deferred_at: float = 0.0
    steady_until: float = 0.0
    #: (map_index, state, next_method) seen while the run was going on.
    sensor_seen: set[tuple[int, str | None, str | None]] = field(default_factory=set)
    #: The triggerer job that ran each mapped sensor's trigger.
    triggerer_of: dict[int, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def fleet(postgres_stack: Stack) -> Fleet:
    deployment, emulator = postgres_stack.deployment, postgres_stack.emulator
    sessions = emulator.add_live_fleet(WAITS, stop_spread=None)  # live until _stop_one_by_one
    session_ids = [session["id"] for session in sessions]
    fleet = Fleet(
        f"e2e__fleet__{secrets.token_hex(3)}", session_ids, [session["livestream_id"] for session in sessions]
    )
    deployment.wait_for(
        lambda: deployment.query("SELECT dag_id FROM serialized_dag WHERE dag_id = ?", (DAG_ID,)),
        120,
        f"the dag-processor to parse {DAG_ID}",
    )
    stop_watching = threading.Event()
    watcher = threading.Thread(target=_watch, args=(deployment, fleet, stop_watching), daemon=True)
    watcher.start()
    try:
        deployment.cli(
            "dags", "trigger", DAG_ID, "--run-id", fleet.run_id, "--conf", json.dumps({"session_ids": session_ids})
        )
        deployment.wait_for(lambda: _all_deferred(fleet), 240, f"all {WAITS} mapped sensors to defer")
        fleet.all_deferred_at = emulator.clock.now()
        time.sleep(STEADY_CYCLES * POKE_INTERVAL)
        fleet.steady_until = emulator.clock.now()
        _stop_one_by_one(emulator, session_ids, STOP_SPREAD)
        deployment.wait_for(lambda: fleet.state in ("success", "failed"), STOP_SPREAD + 180, "the fleet run to finish")
    finally:
        stop_watching.set()
        watcher.join(10)
    return fleet


def _stop_one_by_one(emulator: RealtimeKitEmulator, session_ids: list[str], spread: float) -> None:
    """Make the i-th session (from 1) stop i * spread / n seconds from now, on the emulator clock."""
    now = emulator.clock.now()
    for number, session_id in enumerate(session_ids, start=1):
        emulator.end_session(session_id, at=now + number * spread / len(session_ids))


def _watch(deployment: Deployment, fleet: Fleet, stop: threading.Event) -> None:
    """Record, a few times a second, the run's state and each mapped sensor's state and triggerer."""
    while not stop.wait(0.3):
        rows = deployment.query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (DAG_ID, fleet.run_id))
        fleet.state = rows[0]["state"] if rows else None
        for row in deployment.query(
            "SELECT ti.map_index, ti.state, ti.next_method, t.triggerer_id FROM task_instance ti "
            "LEFT JOIN trigger t ON t.id = ti.trigger_id "
            "WHERE ti.dag_id = ? AND ti.run_id = ? AND ti.task_id = ?",
            (DAG_ID, fleet.run_id, SENSOR),
        ):
            fleet.sensor_seen.add((row["map_index"], row["state"], row["next_method"]))
            if row["triggerer_id"] is not None:
                fleet.triggerer_of[row["map_index"]] = row["triggerer_id"]


def _all_deferred(fleet: Fleet) -> bool:
    deferred = {index for index, state, _ in fleet.sensor_seen if state == "deferred"}
    return len(deferred) == WAITS


def _xcoms(deployment: Deployment, fleet: Fleet) -> dict[int, Any]:
    rows = deployment.query(
        "SELECT map_index, value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = 'return_value'",
        (DAG_ID, fleet.run_id, SENSOR),
    )
    values = {}
    for row in rows:
        value = row["value"]
        value = json.loads(value) if isinstance(value, (str, bytes)) else value
        values[row["map_index"]] = json.loads(value) if isinstance(value, str) else value  # JSON text as a string
    return values


def _fleet_requests(emulator: RealtimeKitEmulator, fleet: Fleet, start: float, end: float) -> list[RequestRecord]:
    """The requests about the fleet's sessions and livestreams, and listings, that arrived in [start, end)."""
    ids = (*fleet.session_ids, *fleet.livestream_ids)
    return [
        record
        for record in emulator.requests
        if start <= record.time < end and (record.route == "livestreams" or any(i in record.path for i in ids))
    ]


def _requests_per_cycle(emulator: RealtimeKitEmulator, fleet: Fleet) -> list[int]:
    """Requests in each poll cycle (POKE_INTERVAL-long slice) of the steady phase."""
    return [
        len(_fleet_requests(emulator, fleet, start, start + POKE_INTERVAL))
        for start in (fleet.all_deferred_at + cycle * POKE_INTERVAL for cycle in range(STEADY_CYCLES))
    ]


def test_every_mapped_sensor_gets_its_own_stopped_session(postgres_stack: Stack, fleet: Fleet) -> None:
    deployment, emulator = postgres_stack.deployment, postgres_stack.emulator

    assert fleet.state == "success", sorted(fleet.sensor_seen)
    xcoms = _xcoms(deployment, fleet)
    assert sorted(xcoms) == list(range(WAITS))
    for map_index, session_id in enumerate(fleet.session_ids):
        session = emulator.session(session_id)
        assert session["stopped_time"] is not None
        assert xcoms[map_index] == session, f"map index {map_index} got another payload"


def test_every_mapped_sensor_waited_in_a_triggerer(postgres_stack: Stack, fleet: Fleet) -> None:
    deferred = {
        index for index, state, method in fleet.sensor_seen if (state, method) == ("deferred", "execute_complete")
    }

    assert deferred == set(range(WAITS))
    assert set(fleet.triggerer_of) == set(range(WAITS))
    print(f"triggers per triggerer job: {dict(Counter(fleet.triggerer_of.values()))}")


def test_no_request_was_refused_for_the_rate_limit(postgres_stack: Stack, fleet: Fleet) -> None:
    records = _fleet_requests(postgres_stack.emulator, fleet, 0, float("inf"))

    assert records
    assert all(record.auth_ok for record in records)
    assert Counter(record.status for record in records) == {200: len(records)}


def test_the_token_is_in_no_file_of_the_deployment(postgres_stack: Stack, fleet: Fleet) -> None:
    files = [path for path in postgres_stack.deployment.home.rglob("*") if path.is_file()]
    assert any("task_id=wait_for_session_end" in str(path) for path in files), "expected the sensors' task logs"

    leaks = [str(path) for path in files if TOKEN.encode() in path.read_bytes()]

    assert not leaks


def test_poll_cycles_cost_far_fewer_requests_than_one_per_wait(postgres_stack: Stack, fleet: Fleet) -> None:
    """
    Guards against a return to one request per wait per cycle (30 here before the shared poller), whatever
    the split between the triggerers. Averaged over the steady cycles: a cycle that starts as the last
    sensors defer also carries their first fetches (measured [9, 15] with an uneven split).
    """
    per_cycle = _requests_per_cycle(postgres_stack.emulator, fleet)

    assert sum(per_cycle) / len(per_cycle) <= WAITS * 2 / 3, per_cycle


@pytest.mark.xfail(strict=False, reason="#14: a triggerer holding fewer than 8 waits polls each of them directly")
def test_a_poll_cycle_costs_far_fewer_requests_than_there_are_waits(postgres_stack: Stack, fleet: Fleet) -> None:
    per_cycle = _requests_per_cycle(postgres_stack.emulator, fleet)
    whole_run = Counter(record.route for record in _fleet_requests(postgres_stack.emulator, fleet, 0, float("inf")))
    print(f"requests per {POKE_INTERVAL:g} s poll cycle with {WAITS} waits: {per_cycle}; whole run: {dict(whole_run)}")

    assert max(per_cycle) <= MAX_REQUESTS_PER_CYCLE, per_cycle


def test_no_triggerer_loop_was_blocked_once_our_triggers_ran(postgres_stack: Stack, fleet: Fleet) -> None:
    """
    #14.7: from the first start of one of our triggers to the end, every "async thread was blocked" line a
    triggerer logged was its loop's thread waiting for a CPU or collecting garbage (recorded by
    `tests/e2e/loop_stalls`), never code blocking the loop. Lines before are Airflow's own start-up.
    """
    deployment = postgres_stack.deployment
    first_start = _first_trigger_start(deployment)
    report, ours = [], []
    for name in deployment.triggerer_names:
        for line in loop_stalls.blocked_lines(deployment.components[name].log_path, deployment.loop_stalls_dir(name)):
            phase = "Airflow's start-up" if line.at < first_start else "while our triggers ran"
            report.append(f"{name}, {phase}: {line.describe()}")
            if line.at >= first_start and line.attribution not in ("starved", "garbage collection"):
                ours.append(report[-1])
    print("\n".join(report) or "no triggerer logged an 'async thread was blocked' line")

    assert not ours, "\n".join(ours)


def _first_trigger_start(deployment: Deployment) -> float:
    """
    Epoch seconds of the first trigger start any triggerer logged (trigger logs, `*.log.trigger.<job>.log`).
    Of the deployment, not per triggerer (Airflow 3.1's job rows do not say which process is which job): the
    triggerers start together, some 40 s before the first trigger.
    """
    starts = []
    for path in (deployment.home / "logs").rglob("*.log.trigger.*.log"):
        first_line = path.read_text(errors="replace").partition("\n")[0]
        record = json.loads(first_line) if first_line.startswith("{") else {}
        if str(record.get("event", "")).endswith("starting"):
            starts.append(datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).timestamp())
    assert starts, "expected trigger logs that say when each trigger started"
    return min(starts)
