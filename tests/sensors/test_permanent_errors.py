"""Permanent errors fail a task without Airflow retries; transient ones keep them; soft_fail still skips.

Real `dag.test()` runs against the emulator: the emulator's request log counts the tries (each try of
these tasks sends exactly one request: the connections set `max_attempts=1`).
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAuthError,
    RealtimeKitConfigError,
    RealtimeKitError,
    RealtimeKitNotFoundError,
    RealtimeKitPermanentError,
    RealtimeKitRedirectError,
    RealtimeKitRequestRejectedError,
    RealtimeKitStreamError,
)
from airflow_provider_realtimekit.testing import Fault, Polls
from tests.airflow_runs import run_dag, task_state
from tests.dags import error_dags

MODES = ["poke", "reschedule", "deferrable"]


@pytest.fixture
def livestream(emulator):
    return emulator.add_livestream(name="studio-a")


@pytest.fixture
def wrong_token(emulator, monkeypatch):
    conn = emulator.connection()
    conn["password"] = "not-the-right-token"
    conn["extra"]["max_attempts"] = 1
    monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(conn))


def session_polls(emulator) -> list[int]:
    return [r.status for r in emulator.requests if r.route == "livestream_session"]


def tries(dag_run, task_id: str) -> int:
    return dag_run.get_task_instance(task_id).try_number


@pytest.mark.parametrize(
    "cls",
    [
        RealtimeKitConfigError,
        RealtimeKitAuthError,
        RealtimeKitNotFoundError,
        RealtimeKitRedirectError,
        RealtimeKitRequestRejectedError,
        RealtimeKitStreamError,
    ],
)
def test_permanent_errors_are_airflow_fail_exceptions_and_still_realtimekit_errors(cls):
    from airflow_provider_realtimekit._compat import AirflowFailException

    assert issubclass(cls, RealtimeKitPermanentError)
    assert issubclass(cls, AirflowFailException)
    assert issubclass(cls, RealtimeKitError)


def test_operator_with_retries_runs_once_on_a_wrong_token(emulator, livestream, wrong_token, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))

    dag_run = run_dag(error_dags.operator_dag, session_id=session["id"])

    assert task_state(dag_run, "fetch") == "failed"
    assert tries(dag_run, "fetch") == 1
    assert [r.status for r in emulator.requests] == [401]


def test_operator_with_retries_runs_once_on_an_unknown_session(emulator, livestream, realtimekit_conn_with, airflow_db):
    realtimekit_conn_with(max_attempts=1)

    dag_run = run_dag(error_dags.operator_dag, session_id="no-such-session")

    assert task_state(dag_run, "fetch") == "failed"
    assert tries(dag_run, "fetch") == 1
    assert session_polls(emulator) == [404]


def test_operator_with_retries_fails_once_on_a_bad_id_without_any_request(
    emulator, livestream, realtimekit_conn, airflow_db
):
    dag_run = run_dag(error_dags.operator_dag, session_id="../../apps")

    assert task_state(dag_run, "fetch") == "failed"
    assert tries(dag_run, "fetch") == 1
    assert emulator.requests == []


def test_operator_with_retries_is_retried_after_a_transient_503(
    emulator, livestream, realtimekit_conn_with, airflow_db
):
    realtimekit_conn_with(max_attempts=1)  # the hook gives up at once: Airflow's retry is what is tested
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"), times=1)

    dag_run = run_dag(error_dags.operator_dag, session_id=session["id"])

    assert task_state(dag_run, "fetch") == "success"
    assert tries(dag_run, "fetch") == 2
    assert session_polls(emulator) == [503, 200]


@pytest.mark.parametrize("mode", MODES)
def test_sensor_with_retries_runs_once_on_a_wrong_token(mode, emulator, livestream, wrong_token, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(5))

    dag_run = run_dag(getattr(error_dags, f"sensor_{mode}"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "failed"
    assert tries(dag_run, "wait") == 1
    assert [r.status for r in emulator.requests] == [401]


@pytest.mark.parametrize("mode", MODES)
def test_sensor_with_soft_fail_skips_on_an_unknown_session(mode, emulator, livestream, realtimekit_conn, airflow_db):
    dag_run = run_dag(getattr(error_dags, f"sensor_{mode}_soft"), session_id="no-such-session")

    assert task_state(dag_run, "wait") == "skipped"
    assert session_polls(emulator) == [404]


@pytest.mark.parametrize("mode", MODES)
def test_sensor_with_soft_fail_skips_on_a_wrong_token(mode, emulator, livestream, wrong_token, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(5))

    dag_run = run_dag(getattr(error_dags, f"sensor_{mode}_soft"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "skipped"
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_sensor_with_soft_fail_skips_on_a_stream_error(mode, emulator, livestream, realtimekit_conn, airflow_db):
    session = emulator.add_session(livestream["id"], stops_after=Polls(1), err_message="encoder disconnected")

    dag_run = run_dag(getattr(error_dags, f"sensor_{mode}_soft"), session_id=session["id"])

    assert task_state(dag_run, "wait") == "skipped"
