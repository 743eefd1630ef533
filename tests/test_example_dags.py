"""The example DAGs: they load, the post-stream DAG runs end to end against the emulator, and `make demo` works."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

import pendulum
import pytest

from airflow_provider_realtimekit.testing import Polls
from tests.airflow_compat import airflow_older_than
from tests.airflow_runs import run_dag, task_state, xcom
from tests.conftest import REPO

EXAMPLE_DAGS = REPO / "example_dags"
DEMO_TOKEN = "rtk-demo-token-4f9c2a"  # the token scripts/demo.py gives the emulator; it must never be printed


@pytest.fixture(scope="module")
def post_stream() -> Iterator[ModuleType]:
    """The post-stream DAG module, parsed with a 0.2 s poke interval and a 60 s sensor timeout.

    The DAG reads both at parse time, so the module is (re)loaded with the variables set, and they stay set
    while the tests of this module run in case Airflow parses the file again.
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("REALTIMEKIT_POKE_INTERVAL", "0.2")
        env.setenv("REALTIMEKIT_SENSOR_TIMEOUT", "60")
        env.delenv("REALTIMEKIT_APP_ID", raising=False)
        module = importlib.reload(importlib.import_module("example_dags.realtimekit_post_stream"))
        yield module


@pytest.fixture
def post_stream_dag(post_stream: ModuleType) -> Any:
    return post_stream.dag


def _utc(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _dagbag_class() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    return DagBag


def test_example_dags_folder_loads_without_import_errors(airflow_db):
    bag = _dagbag_class()(dag_folder=str(EXAMPLE_DAGS))

    assert bag.import_errors == {}
    assert {"realtimekit_post_stream", "realtimekit_daily_usage"} <= set(bag.dag_ids)


def test_post_stream_dag_has_the_documented_shape(post_stream_dag):
    tasks = post_stream_dag.task_dict

    assert post_stream_dag.schedule is None
    assert set(tasks) == {"wait_for_session_end", "build_report", "publish_report", "alert_on_stream_error"}
    sensor = tasks["wait_for_session_end"]
    assert sensor.deferrable is True
    assert (sensor.poke_interval, sensor.timeout) == (0.2, 60)
    assert sensor.session_id == "{{ params.session_id }}"
    assert str(tasks["alert_on_stream_error"].trigger_rule) in ("one_failed", "TriggerRule.ONE_FAILED")
    assert tasks["alert_on_stream_error"].upstream_task_ids == {"wait_for_session_end"}
    assert [outlet.uri for outlet in tasks["publish_report"].outlets] == ["realtimekit://default/livestream-sessions"]
    assert "REALTIMEKIT_POKE_INTERVAL" in post_stream_dag.doc_md
    assert "REALTIMEKIT_SENSOR_TIMEOUT" in post_stream_dag.doc_md


# [START howto_test_with_emulator]
def test_post_stream_dag_reports_a_finished_session(post_stream_dag, airflow_db, monkeypatch):
    from airflow_provider_realtimekit.testing import Polls, RealtimeKitEmulator

    with RealtimeKitEmulator(token="test-token") as emulator:
        livestream = emulator.add_livestream(name="studio-a")
        session = emulator.add_session(livestream["id"], stops_after=Polls(2), ingest_seconds=600, viewer_seconds=90)
        monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", emulator.connection_json())

        dag_run = post_stream_dag.test(run_conf={"session_id": session["id"]})

    assert dag_run.state == "success"
    report = dag_run.get_task_instance("build_report").xcom_pull(task_ids="build_report")
    assert (report["ingest_minutes"], report["viewer_minutes"]) == (10.0, 1.5)


# [END howto_test_with_emulator]


def test_post_stream_report_matches_what_the_api_served(post_stream_dag, emulator, realtimekit_conn, airflow_db):
    livestream = emulator.add_livestream(name="studio-a")
    started = pendulum.now("UTC").subtract(minutes=42, seconds=7).replace(microsecond=0)
    session = emulator.add_session(
        livestream["id"], started=started, stops_after=Polls(2), ingest_seconds=2525, viewer_seconds=116.11599994199997
    )

    dag_run = run_dag(post_stream_dag, session_id=session["id"])

    assert dag_run.state == "success"
    served = xcom(dag_run, "wait_for_session_end")
    assert served == emulator.session(session["id"])
    duration = (_utc(served["stopped_time"]) - _utc(served["started_time"])).total_seconds()
    assert 42 * 60 + 7 <= duration < 42 * 60 + 7 + 60  # it stopped at the third poll, moments ago
    assert xcom(dag_run, "build_report") == {
        "session_id": session["id"],
        "livestream_id": livestream["id"],
        "started_time": served["started_time"],
        "stopped_time": served["stopped_time"],
        "duration_seconds": duration,
        "ingest_minutes": 42.08,
        "viewer_minutes": 1.94,
        "err_message": None,
    }
    assert task_state(dag_run, "alert_on_stream_error") == "skipped"
    polls = [r for r in emulator.requests if r.route == "livestream_session"]
    assert len(polls) == 3  # two live answers, then the stopped one


def test_post_stream_emits_an_asset_event_carrying_the_session_id(post_stream, emulator, realtimekit_conn, airflow_db):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    livestream = emulator.add_livestream(name="studio-a")
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))

    dag_run = run_dag(post_stream.dag, session_id=session["id"])

    assert task_state(dag_run, "publish_report") == "success"
    with create_session() as db:
        events = db.execute(
            select(AssetEvent.extra, AssetEvent.source_task_id)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.uri == post_stream.LIVESTREAM_SESSIONS.uri, AssetEvent.source_run_id == dag_run.run_id)
        ).all()
    assert len(events) == 1
    extra, source_task_id = events[0]
    assert source_task_id == "publish_report"
    assert extra["session_id"] == session["id"]
    assert extra["livestream_id"] == livestream["id"]


def test_post_stream_alerts_on_a_stream_error_and_the_run_fails(
    post_stream_dag, emulator, realtimekit_conn, airflow_db
):
    livestream = emulator.add_livestream(name="studio-a")
    session = emulator.add_session(livestream["id"], stops_after=Polls(1), err_message="encoder disconnected")

    dag_run = run_dag(post_stream_dag, session_id=session["id"])

    assert dag_run.state == "failed"
    assert task_state(dag_run, "wait_for_session_end") == "failed"
    assert task_state(dag_run, "build_report") == "upstream_failed"
    assert task_state(dag_run, "publish_report") == "upstream_failed"
    assert task_state(dag_run, "alert_on_stream_error") == "success"
    assert xcom(dag_run, "alert_on_stream_error") == {
        "session_id": session["id"],
        "err_message": "encoder disconnected",
    }


def test_post_stream_alert_copes_with_a_failure_that_is_not_a_stream_error(
    post_stream_dag, emulator, realtimekit_conn, airflow_db
):
    dag_run = run_dag(post_stream_dag, session_id="no-such-session")

    assert dag_run.state == "failed"
    assert task_state(dag_run, "wait_for_session_end") == "failed"
    assert task_state(dag_run, "alert_on_stream_error") == "success"
    assert xcom(dag_run, "alert_on_stream_error") is None


def test_post_stream_refuses_an_empty_session_id(post_stream_dag, emulator, realtimekit_conn, airflow_db):
    with pytest.raises(Exception, match="Invalid input for param session_id") as raised:
        run_dag(post_stream_dag, session_id="")

    assert type(raised.value).__name__ == "ParamValidationError"
    assert emulator.requests == []


@pytest.mark.skipif(
    airflow_older_than((3, 3)),
    reason="make demo runs on the Airflow `make install` sets up (3.3); the DAGs it runs are tested on every version",
)
def test_make_demo_runs_the_post_stream_dag_and_the_watcher_against_the_emulator(tmp_path):
    """`make demo` is a newcomer's first command: run scripts/demo.py as they would, in a clean environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "REALTIMEKIT_"))}
    env.pop("SESSION_ID", None)
    # leave the developer's .airflow/demo and .airflow/demo-watcher alone
    env["REALTIMEKIT_DEMO_HOME"] = str(tmp_path / "airflow-home")
    env["REALTIMEKIT_DEMO_WATCHER_HOME"] = str(tmp_path / "airflow-home-watcher")

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
    )
    elapsed = time.monotonic() - started

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "==> " in result.stdout
    assert "Fetched livestream session payload" in result.stdout
    assert "RealtimeKit livestream session report" in result.stdout
    assert "stopped_time" in result.stdout and "duration" in result.stdout
    # the watcher step: three sessions ended, each started its own run with its own payload, nobody triggered
    watcher_output = result.stdout.split("event-driven DAG", 1)[-1]
    assert watcher_output.count("(asset_triggered, success)") >= 1
    assert len(set(re.findall(r"session (\S+)  livestream", watcher_output))) == 3
    assert watcher_output.count(".json: duration") == 3
    assert "demo finished" in result.stdout.lower()
    assert DEMO_TOKEN not in output
    print(f"scripts/demo.py took {elapsed:.1f} s")


def test_demo_explains_what_to_set_when_a_connection_has_no_session_id():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "REALTIMEKIT_"))}
    env.pop("SESSION_ID", None)
    env.update(REALTIMEKIT_API_TOKEN="rtk-secret-token-93jd", REALTIMEKIT_ACCOUNT_ID="acc", REALTIMEKIT_APP_ID="app")

    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "SESSION_ID" in result.stderr and "emulator" in result.stderr
    assert "rtk-secret-token-93jd" not in result.stdout + result.stderr
