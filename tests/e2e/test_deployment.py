"""End to end: the example post-stream DAG in a real Airflow deployment against the emulator.

On the shared SQLite deployment (`sqlite_stack`: scheduler, one triggerer, dag-processor, api-server,
LocalExecutor) and its emulator; all four runs are triggered together with `airflow dags trigger` (no
logical date) and each test reads what its run left: states, the sensor's trip through the triggerer,
XComs, polls and log files.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_provider_realtimekit.testing import Polls, RealtimeKitEmulator
from tests.e2e.dags.realtimekit_sensor_timeouts import TIMEOUT_SECONDS
from tests.e2e.deployment import Deployment, DeploymentError
from tests.e2e.pool import DAG_FOLDERS, POKE_INTERVAL, TOKEN, Stack

# The first test also pays for starting the deployment and for every run: give it more than the default.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(540)]

POST_STREAM = "realtimekit_post_stream"
TIMEOUT_DAG = "rtk_e2e_sensor_timeout"
SOFT_FAIL_DAG = "rtk_e2e_sensor_timeout_soft_fail"
SENSOR = "wait_for_session_end"
SENSOR_TRIGGER = "airflow_provider_realtimekit.triggers.realtimekit.RealtimeKitLivestreamSessionTrigger"
STREAM_ERROR = "encoder lost the RTMP ingest"
#: GETs of the session for which it stays live: the worker's first poke, then the triggerer's polls.
#: Every trigger here runs for several seconds on purpose: when a trigger fires before the scheduler has
#: processed the executor's event for the deferring process (seen under load on 3.3.2 with LocalExecutor),
#: the scheduler takes the resumed, queued task for "changed externally" and fails it. An Airflow race, not
#: the provider's; a real livestream is live for far longer than that.
LIVE_POLLS = 5


@dataclass
class Run:
    """One DAG run and what was seen of its sensor while the run was going on."""

    case: str
    dag_id: str
    run_id: str
    session_id: str
    state: str | None = None
    sensor_seen: set[tuple[str | None, str | None]] = field(default_factory=set)
    trigger_classpaths: set[str] = field(default_factory=set)

    @property
    def finished(self) -> bool:
        return self.state in ("success", "failed")


@pytest.fixture(scope="module")
def emulator(sqlite_stack: Stack) -> RealtimeKitEmulator:
    return sqlite_stack.emulator


@pytest.fixture(scope="module")
def deployment(sqlite_stack: Stack) -> Deployment:
    if not (DAG_FOLDERS["example-dags"] / f"{POST_STREAM}.py").is_file():
        pytest.fail(f"The example DAG {POST_STREAM}.py is missing from example_dags/: the end-to-end test runs it.")
    return sqlite_stack.deployment


@pytest.fixture(scope="module")
def runs(deployment: Deployment, emulator: RealtimeKitEmulator) -> dict[str, Run]:
    """Trigger the four cases and wait until every run has finished, watching the sensors meanwhile."""
    livestream_id = emulator.add_livestream(name="e2e-studio")["id"]
    sessions = {
        "success": (POST_STREAM, emulator.add_session(livestream_id, stops_after=Polls(LIVE_POLLS))),
        "stream_error": (
            POST_STREAM,
            emulator.add_session(livestream_id, stops_after=Polls(LIVE_POLLS), err_message=STREAM_ERROR),
        ),
        "timeout": (TIMEOUT_DAG, emulator.add_session(livestream_id)),
        "soft_fail": (SOFT_FAIL_DAG, emulator.add_session(livestream_id)),
    }
    runs = {
        case: Run(case, dag_id, f"e2e__{case}__{secrets.token_hex(3)}", session["id"])
        for case, (dag_id, session) in sessions.items()
    }
    dag_ids = sorted({run.dag_id for run in runs.values()})
    deployment.wait_for(lambda: _parsed(deployment, dag_ids), 180, f"the dag-processor to parse {dag_ids}")
    # The timeout DAGs are created unpaused; the example DAG is unpaused the way a user would.
    deployment.cli("dags", "unpause", POST_STREAM)
    stop_watching = threading.Event()
    watcher = threading.Thread(target=_watch, args=(deployment, runs.values(), stop_watching), daemon=True)
    watcher.start()
    try:
        for run in runs.values():
            conf = json.dumps({"session_id": run.session_id})
            deployment.cli("dags", "trigger", run.dag_id, "--run-id", run.run_id, "--conf", conf)
        deployment.wait_for(lambda: all(run.finished for run in runs.values()), 240, "every DAG run to finish")
    finally:
        stop_watching.set()
        watcher.join(10)
    return runs


def _parsed(deployment: Deployment, dag_ids: list[str]) -> bool:
    found = {row["dag_id"] for row in deployment.query("SELECT dag_id FROM serialized_dag")}
    return set(dag_ids) <= found


def _watch(deployment: Deployment, runs: Iterable[Run], stop: threading.Event) -> None:
    """Record, a few times a second, each run's state and its sensor's state, next_method and trigger."""
    while not stop.wait(0.2):
        for run in runs:
            rows = deployment.query(
                "SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (run.dag_id, run.run_id)
            )
            run.state = rows[0]["state"] if rows else None
            for row in deployment.query(
                "SELECT ti.state, ti.next_method, t.classpath FROM task_instance ti "
                "LEFT JOIN trigger t ON t.id = ti.trigger_id "
                "WHERE ti.dag_id = ? AND ti.run_id = ? AND ti.task_id = ?",
                (run.dag_id, run.run_id, SENSOR),
            ):
                run.sensor_seen.add((row["state"], row["next_method"]))
                if row["classpath"]:
                    run.trigger_classpaths.add(row["classpath"])


def _task_states(deployment: Deployment, run: Run) -> dict[str, str | None]:
    rows = deployment.query(
        "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (run.dag_id, run.run_id)
    )
    return {row["task_id"]: row["state"] for row in rows}


def _xcom(deployment: Deployment, run: Run, task_id: str, key: str = "return_value") -> Any:
    rows = deployment.query(
        "SELECT value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = ?",
        (run.dag_id, run.run_id, task_id, key),
    )
    assert rows, f"no XCom {key!r} from {task_id} in {run.run_id}"
    value = rows[0]["value"]
    value = json.loads(value) if isinstance(value, (str, bytes)) else value
    # Some releases store the JSON text as a JSON string.
    return json.loads(value) if isinstance(value, str) else value


def _task_logs(deployment: Deployment, run: Run, task_id: str) -> tuple[str, str]:
    """The task's own log and the log its trigger wrote in the triggerer (empty when it never deferred)."""
    folder = deployment.home / "logs" / f"dag_id={run.dag_id}" / f"run_id={run.run_id}" / f"task_id={task_id}"
    task_log = folder / "attempt=1.log"
    assert task_log.is_file(), f"no task log in {folder}: {list(folder.parent.rglob('*'))}"
    trigger_log = "\n".join(p.read_text(errors="replace") for p in sorted(folder.glob("attempt=1.log.trigger.*")))
    return task_log.read_text(errors="replace"), trigger_log


def _polls(emulator: RealtimeKitEmulator, session_id: str) -> list[float]:
    """Arrival times of the GETs of one session, oldest first."""
    records = [r for r in emulator.requests if r.route == "livestream_session" and r.path.endswith(f"/{session_id}")]
    assert all(r.status == 200 for r in records), [r.status for r in records]
    return [r.time for r in records]


def _assert_no_burst(times: list[float]) -> None:
    """The triggerer's polls (every GET after the worker's first poke) keep at least the poke interval apart.

    The gap between the worker's poke and the trigger's first poll is not checked: the trigger polls as soon
    as it starts, so that gap is only as long as the deferral round trip (0.88 s was measured once).
    """
    trigger_polls = times[1:]
    gaps = [later - earlier for earlier, later in itertools.pairwise(trigger_polls)]
    assert all(gap >= 0.9 * POKE_INTERVAL for gap in gaps), f"polls closer than the poke interval: {gaps}"


def _assert_went_through_the_triggerer(deployment: Deployment, run: Run) -> None:
    """Deferred with execute_complete as next method, the trigger ran in the triggerer, the task resumed."""
    assert ("deferred", "execute_complete") in run.sensor_seen, run.sensor_seen
    assert run.trigger_classpaths == {SENSOR_TRIGGER}
    task_log, trigger_log = _task_logs(deployment, run, SENSOR)
    assert "Pausing task as DEFERRED" in task_log
    assert "starting" in trigger_log and "Trigger fired event" in trigger_log, trigger_log[-2000:]
    # The resumed part of the task log: execute_complete works from the event, without another request.
    resumed = task_log[task_log.index("Pausing task as DEFERRED") :]
    assert resumed.count("Filling up the DagBag") == 1, resumed[-2000:]  # one new task process
    assert "RealtimeKit GET" not in resumed


def test_post_stream_run_succeeds_after_the_triggerer_sees_the_session_stop(
    deployment: Deployment, emulator: RealtimeKitEmulator, runs: dict[str, Run]
) -> None:
    run = runs["success"]

    assert run.state == "success", _task_states(deployment, run)
    _assert_went_through_the_triggerer(deployment, run)
    session = emulator.session(run.session_id)
    assert session["stopped_time"] is not None
    assert _xcom(deployment, run, SENSOR) == session
    report = _xcom(deployment, run, "build_report")
    assert report["session_id"] == run.session_id
    assert (report["started_time"], report["stopped_time"]) == (session["started_time"], session["stopped_time"])
    polls = _polls(emulator, run.session_id)
    assert len(polls) == LIVE_POLLS + 1  # live for LIVE_POLLS GETs, stopped at the next; no refetch on resume
    _assert_no_burst(polls)


def test_stream_error_fails_the_run_and_runs_the_alert(
    deployment: Deployment, emulator: RealtimeKitEmulator, runs: dict[str, Run]
) -> None:
    run = runs["stream_error"]

    assert run.state == "failed"
    states = _task_states(deployment, run)
    assert states[SENSOR] == "failed"
    assert states["alert_on_stream_error"] == "success"
    assert states["build_report"] == "upstream_failed"
    _assert_went_through_the_triggerer(deployment, run)
    log, _ = _task_logs(deployment, run, SENSOR)
    assert "RealtimeKitStreamError" in log
    assert STREAM_ERROR in log
    assert _xcom(deployment, run, SENSOR, key="session")["err_message"] == STREAM_ERROR
    polls = _polls(emulator, run.session_id)
    assert len(polls) == LIVE_POLLS + 1
    _assert_no_burst(polls)


def test_deferred_sensor_fails_with_a_sensor_timeout(
    deployment: Deployment, emulator: RealtimeKitEmulator, runs: dict[str, Run]
) -> None:
    run = runs["timeout"]

    assert run.state == "failed"
    assert _task_states(deployment, run)[SENSOR] == "failed"
    _assert_went_through_the_triggerer(deployment, run)
    assert "AirflowSensorTimeout" in _task_logs(deployment, run, SENSOR)[0]
    polls = _polls(emulator, run.session_id)
    # TIMEOUT_SECONDS at one poll a second, counted from the first poke: at most one poll a second, one more
    # at the deadline; at least a few, however late the task started.
    assert 3 <= len(polls) <= TIMEOUT_SECONDS + 2, polls
    _assert_no_burst(polls[:-1])  # the last poll happens at the deadline, however soon that is


def test_deferred_sensor_with_soft_fail_is_skipped_on_timeout(
    deployment: Deployment, emulator: RealtimeKitEmulator, runs: dict[str, Run]
) -> None:
    run = runs["soft_fail"]

    assert _task_states(deployment, run)[SENSOR] == "skipped"
    assert run.state == "success"
    _assert_went_through_the_triggerer(deployment, run)


def test_the_token_is_in_no_log_and_nowhere_else_in_airflow_home(deployment: Deployment, runs: dict[str, Run]) -> None:
    files = [path for path in deployment.home.rglob("*") if path.is_file()]
    task_logs = [path for path in files if "dag_id=" in str(path)]
    assert len(task_logs) >= 8, "expected the task logs of every run"
    assert {"triggerer-1.log", "scheduler.log", "api-server.log", "dag-processor.log"} <= {p.name for p in files}

    leaks = [str(path) for path in files if TOKEN.encode() in path.read_bytes()]

    assert not leaks


def test_components_are_still_running(deployment: Deployment, runs: dict[str, Run]) -> None:
    try:
        deployment.check_alive()
    except DeploymentError as error:
        pytest.fail(str(error))
