"""End to end: the session-ended watcher drives the example DAG in a real Airflow, with nobody triggering.

The shared SQLite deployment (scheduler, one triggerer, dag-processor, api-server, LocalExecutor) and its
emulator. The example DAG ``realtimekit_session_ended`` is unpaused as a user would; then the emulator ends
5 sessions at different times while the triggerer is killed (SIGKILL, a crash) and restarted midway.
Outputs are counted: one report per session, each with its own payload.

What the restart may cost depends on the Airflow release (docs/event-driven.md): from 3.3 the cursor is in
the Asset State Store and nothing is lost; before, the session that ends while the triggerer is down is
lost (at-most-once), and the test expects exactly that.

Sessions end more than one poll apart, so each is its own event: an event that reaches the scheduler while
it creates the run of an earlier one waits for the next event (Airflow issue 56050, docs/event-driven.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.airflow_compat import airflow_older_than
from tests.e2e.deployment import Deployment
from tests.e2e.pool import DAG_ENV, TOKEN, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

DAG_ID = "realtimekit_session_ended"
WATCHER = "airflow_provider_realtimekit.triggers.session_ended.RealtimeKitLivestreamSessionEndedTrigger"
WATCH_INTERVAL = float(DAG_ENV["REALTIMEKIT_WATCH_INTERVAL"])
#: Apart by more than one poll, so that each session is reported in a cycle of its own.
BETWEEN_ENDS = WATCH_INTERVAL + 3
#: The Asset State Store, which carries the cursor across a restart, is new in Airflow 3.3.
CURSOR_SURVIVES_RESTART = not airflow_older_than((3, 3))


def reports(deployment: Deployment) -> dict[str, dict]:
    folder = deployment.home / "realtimekit-reports"  # the DAG's default: $AIRFLOW_HOME/realtimekit-reports
    return {path.stem: json.loads(path.read_text()) for path in folder.glob("*.json")}


def watcher_polling(deployment: Deployment, emulator: RealtimeKitEmulator) -> bool:
    assigned = deployment.query("SELECT id FROM trigger WHERE classpath = ? AND triggerer_id IS NOT NULL", (WATCHER,))
    return bool(assigned) and any(record.route == "livestreams" for record in emulator.requests)


def runs_settled(deployment: Deployment) -> bool:
    return not deployment.query("SELECT 1 FROM dag_run WHERE dag_id = ? AND state IN ('queued', 'running')", (DAG_ID,))


def end_apart(emulator: RealtimeKitEmulator, session_ids: list[str]) -> None:
    for n, session_id in enumerate(session_ids):
        if n:
            time.sleep(BETWEEN_ENDS)
        emulator.end_session(session_id)


@pytest.fixture(scope="module")
def outcome(sqlite_stack: Stack) -> Iterator[dict]:
    deployment, emulator = sqlite_stack.deployment, sqlite_stack.emulator
    sessions = [emulator.add_session(emulator.add_livestream(name=f"watch-{n}")["id"])["id"] for n in range(5)]
    deployment.wait_for(
        lambda: deployment.query("SELECT 1 FROM dag WHERE dag_id = ?", (DAG_ID,)), 180, f"{DAG_ID} to be parsed"
    )
    emulator.clear_requests()
    deployment.cli("dags", "unpause", DAG_ID)  # the watcher starts at the next parse of the file
    try:
        deployment.wait_for(lambda: watcher_polling(deployment, emulator), 240, "the watcher's first poll")
        end_apart(emulator, sessions[:2])
        deployment.wait_for(lambda: set(sessions[:2]) <= set(reports(deployment)), 300, "the first two reports")

        deployment.kill("triggerer-1")  # midway: two sessions reported, three to go
        emulator.end_session(sessions[2])  # ends while no triggerer runs
        deployment.start_component("triggerer-1")
        emulator.clear_requests()
        # The killed triggerer's job looks alive until its heartbeat is older than the health threshold (30 s).
        deployment.wait_for(lambda: watcher_polling(deployment, emulator), 240, "the watcher to poll again")

        end_apart(emulator, sessions[3:])
        expected = sessions if CURSOR_SURVIVES_RESTART else sessions[:2] + sessions[3:]
        deployment.wait_for(lambda: set(expected) <= set(reports(deployment)), 300, "every expected report")
        time.sleep(3 * WATCH_INTERVAL)  # a few more cycles: nothing else may come
        deployment.wait_for(lambda: runs_settled(deployment), 300, "every DAG run to finish")
        yield {"sessions": sessions, "expected": expected}
    finally:
        deployment.cli("dags", "pause", DAG_ID)  # stops the watcher for the tests that share the deployment


def test_every_session_that_ended_gets_exactly_one_report_with_its_own_payload(outcome, sqlite_stack):
    written = reports(sqlite_stack.deployment)

    assert sorted(written) == sorted(outcome["expected"])
    for session_id, report in written.items():
        final = sqlite_stack.emulator.session(session_id)
        assert report["session_id"] == session_id
        assert report["session"] == final
        assert report["stopped_time"] == final["stopped_time"]


def test_the_runs_were_started_by_the_watcher_and_succeeded(outcome, sqlite_stack):
    runs = sqlite_stack.deployment.query("SELECT run_type, state FROM dag_run WHERE dag_id = ?", (DAG_ID,))

    assert runs
    assert {row["run_type"] for row in runs} == {"asset_triggered"}
    assert {row["state"] for row in runs} == {"success"}


def test_the_session_that_ended_while_the_triggerer_was_down(outcome, sqlite_stack):
    down = outcome["sessions"][2]
    reported = [
        json.loads(row["extra"] or "{}").get("payload", {}).get("session_id")
        for row in sqlite_stack.deployment.query("SELECT extra FROM asset_event")
    ]

    if CURSOR_SURVIVES_RESTART:
        assert down in reported  # after the restart, from the cursor in the Asset State Store
    else:
        assert down not in reported  # before 3.3, at-most-once: it ended while no watcher ran


def test_the_token_appears_in_no_log(outcome, sqlite_stack):
    logs = sqlite_stack.deployment.log_files()
    leaking = [str(path) for path in logs if TOKEN in path.read_text(errors="replace")]

    assert logs
    assert leaking == []
