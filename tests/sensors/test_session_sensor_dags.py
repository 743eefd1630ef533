"""The session sensor and operator through real Airflow (`dag.test()`) against the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import re

import pytest

from airflow_provider_realtimekit.testing import Fault, Polls
from tests.airflow_runs import run_dag, task_state, xcom
from tests.conftest import TOKEN
from tests.dags import session_dags

MODES = ["poke", "reschedule", "deferrable"]


@pytest.fixture
def livestream(emulator, realtimekit_conn):
    return emulator.add_livestream(name="studio-a")


def printed(capfd) -> str:
    captured = capfd.readouterr()
    return captured.out + captured.err


def _dag(name: str):
    return getattr(session_dags, name)


@pytest.mark.parametrize("mode", MODES)
def test_sensor_waits_until_stopped_and_hands_payload_downstream(mode, emulator, livestream, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(3), ingest_seconds=120, viewer_seconds=7.5)

    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    payload = xcom(dag_run, "wait")
    assert payload == emulator.session(session["id"])
    assert payload["stopped_time"]
    assert xcom(dag_run, "consume") == {
        "id": session["id"],
        "stopped_time": payload["stopped_time"],
        "ingest": payload["ingest_seconds"],
    }
    polls = [r for r in emulator.requests if r.route == "livestream_session"]
    assert len(polls) == 4  # three live answers, then the stopped one


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_with_stream_error_quoting_err_message(mode, emulator, livestream, airflow_db, capfd):
    session = emulator.add_session(livestream["id"], stops_after=Polls(1), err_message="encoder disconnected")

    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "failed"
    assert task_state(dag_run, "consume") == "upstream_failed"
    output = printed(capfd)
    assert "RealtimeKitStreamError" in output
    assert "encoder disconnected" in output
    assert xcom(dag_run, "wait", key="session")["err_message"] == "encoder disconnected"


@pytest.mark.parametrize("mode", MODES)
def test_sensor_returns_errored_payload_when_stream_errors_are_tolerated(mode, emulator, livestream, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(1), err_message="encoder disconnected")

    dag_run = run_dag(_dag(f"sensor_{mode}_tolerant"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    assert xcom(dag_run, "wait")["err_message"] == "encoder disconnected"


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_fast_when_session_is_unknown(mode, emulator, livestream, airflow_db, capfd):
    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id="no-such-session")

    assert task_state(dag_run, "wait") == "failed"
    assert "RealtimeKitNotFoundError" in printed(capfd)
    assert len([r for r in emulator.requests if r.route == "livestream_session"]) == 1


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_fast_on_a_bad_id_without_any_request(mode, emulator, livestream, airflow_db, capfd):
    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id="../../apps")

    assert task_state(dag_run, "wait") == "failed"
    output = printed(capfd)
    assert "session_id" in output and "not allowed" in output
    assert emulator.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_fast_on_a_wrong_token(mode, emulator, livestream, airflow_db, capfd, monkeypatch):
    conn = json.loads(emulator.connection_json())
    conn["password"] = "not-the-right-token"
    monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(conn))
    session = emulator.add_session(livestream["id"], stops_after=Polls(5))

    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "failed"
    output = printed(capfd)
    assert "RealtimeKitAuthError" in output and "'Realtime'" in output
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_sensor_rides_out_503_bursts_and_a_429(mode, emulator, livestream, airflow_db, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)  # every failed request is a failed poll: the sensor's budget is tested
    session = emulator.add_session(livestream["id"], stops_after=Polls(4))
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"), times=2)

    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    assert xcom(dag_run, "wait")["id"] == session["id"]
    statuses = [r.status for r in emulator.requests if r.route == "livestream_session"]
    assert statuses[:2] == [503, 503]


def test_sensor_honours_retry_after_on_429_during_the_wait(emulator, livestream, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(2))
    emulator.inject_fault("livestream_session", Fault.status(429, envelope="cloudflare", retry_after=1), times=1)

    dag_run = run_dag(_dag("sensor_deferrable"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    polls = [r for r in emulator.requests if r.route == "livestream_session"]
    assert polls[0].status == 429
    assert polls[1].time - polls[0].time >= 1.0


@pytest.mark.parametrize("mode", MODES)
def test_sensor_gives_up_after_the_failure_budget(mode, emulator, livestream, airflow_db, capfd, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"])
    emulator.inject_fault("livestream_session", Fault.status(502, envelope="cloudflare"), times=50)
    if mode == "reschedule":
        pytest.skip("each reschedule poke is a new process: the budget covers one poke; timeout bounds the wait")

    dag_run = run_dag(_dag(f"sensor_{mode}"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "failed"
    assert "max_consecutive_failures=2" in printed(capfd)
    # A streak of three failed polls (two tolerated); in deferrable mode the check made before deferring is
    # the streak's first, and the trigger carries the count on.
    assert len([r for r in emulator.requests if r.route == "livestream_session"]) == 3


def test_deferrable_sensor_counts_its_failed_check_and_the_triggers_failures_as_one_streak(
    emulator, livestream, airflow_db, capfd, realtimekit_conn_with
):
    realtimekit_conn_with(max_attempts=1)  # every failed request is a failed poll
    session = emulator.add_session(livestream["id"])  # never stops
    # The check before deferring meets a 429 with Retry-After; then the trigger meets 503s.
    emulator.inject_fault("livestream_session", Fault.status(429, envelope="cloudflare", retry_after=1), times=1)
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"))

    dag_run = run_dag(_dag("sensor_deferrable"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "failed"
    output = printed(capfd)
    # max_consecutive_failures=2: the sensor logs 1 of 2, the trigger goes on at 2 of 2, its next failure is
    # the third in a row and ends the wait.
    assert re.findall(r"failed \((\d+) of 2 tolerated in a row\)", output) == ["1", "2"]
    assert "after 3 failed polls in a row (max_consecutive_failures=2)" in output
    polls = [r for r in emulator.requests if r.route == "livestream_session"]
    assert [r.status for r in polls] == [429, 503, 503]
    assert polls[1].time - polls[0].time >= 1.0  # the trigger still waited out the sensor's Retry-After


def test_deferrable_sensor_streak_across_the_hand_over_within_budget_still_succeeds(
    emulator, livestream, airflow_db, capfd, realtimekit_conn_with
):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"), times=2)

    dag_run = run_dag(_dag("sensor_deferrable"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    assert xcom(dag_run, "wait")["id"] == session["id"]
    assert re.findall(r"failed \((\d+) of 2 tolerated in a row\)", printed(capfd)) == ["1", "2"]
    assert [r.status for r in emulator.requests if r.route == "livestream_session"] == [503, 503, 200]


@pytest.mark.parametrize("mode", MODES)
def test_sensor_times_out_with_airflow_sensor_timeout(mode, emulator, livestream, airflow_db, capfd):
    session = emulator.add_session(livestream["id"])  # never stops

    dag_run = run_dag(_dag(f"sensor_{mode}_timeout"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "failed"
    assert "AirflowSensorTimeout" in printed(capfd)


@pytest.mark.parametrize("mode", MODES)
def test_sensor_timeout_is_skipped_with_soft_fail(mode, emulator, livestream, airflow_db):
    session = emulator.add_session(livestream["id"])

    dag_run = run_dag(_dag(f"sensor_{mode}_soft"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "skipped"


def test_deferrable_sensor_returns_at_once_when_already_stopped(emulator, livestream, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))

    dag_run = run_dag(_dag("sensor_deferrable"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    assert len([r for r in emulator.requests if r.route == "livestream_session"]) == 1


def test_operator_pushes_session_payload_to_xcom(emulator, livestream, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(0), ingest_seconds=42)

    dag_run = run_dag(session_dags.operator_dag, session_id=session["id"])

    assert task_state(dag_run, "fetch") == "success"
    assert xcom(dag_run, "fetch") == emulator.session(session["id"])
    assert xcom(dag_run, "consume")["ingest"] == 42


def test_operator_fails_clearly_on_unknown_session(emulator, livestream, airflow_db, capfd):
    dag_run = run_dag(session_dags.operator_dag, session_id="missing")

    assert task_state(dag_run, "fetch") == "failed"
    assert "RealtimeKitNotFoundError" in printed(capfd)


def test_token_never_reaches_output_xcom_or_rendered_fields(emulator, livestream, airflow_db, capfd, caplog):
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    failing = emulator.add_session(livestream["id"], stops_after=Polls(1), err_message="boom")
    emulator.inject_fault("livestream_session", Fault.html(502), times=1)
    runs = [
        run_dag(_dag("sensor_deferrable"), session_id=failing["id"]),
        run_dag(_dag("sensor_poke"), session_id="missing"),
        run_dag(session_dags.operator_dag, session_id="bad/id"),
    ]

    assert TOKEN not in printed(capfd)
    assert TOKEN not in caplog.text
    with create_session() as db:
        rendered = db.query(RenderedTaskInstanceFields).all()
        assert rendered and all(TOKEN not in json.dumps(r.rendered_fields, default=str) for r in rendered)
    for dag_run in runs:
        for ti in dag_run.get_task_instances():
            assert TOKEN not in json.dumps(ti.xcom_pull(task_ids=ti.task_id), default=str)
