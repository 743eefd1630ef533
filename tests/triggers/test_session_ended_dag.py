"""The asset helper and the example DAG at parse time: the watcher is attached, bad kwargs fail the parse.

The runs themselves need a real scheduler and triggerer (``dag.test()`` runs no watchers): they are in
``tests/e2e/test_session_ended.py``.
"""

from __future__ import annotations

import importlib
import textwrap
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_realtimekit.assets import livestream_sessions_ended_asset
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.triggers import RealtimeKitLivestreamSessionEndedTrigger
from tests.conftest import REPO


def dagbag(folder) -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    return DagBag(dag_folder=str(folder))


def test_helper_returns_an_asset_watched_by_the_session_ended_trigger():
    asset = livestream_sessions_ended_asset("ended", realtimekit_conn_id="rtk", poll_interval=15)

    (watcher,) = asset.watchers
    assert asset.name == "ended"
    assert isinstance(watcher.trigger, RealtimeKitLivestreamSessionEndedTrigger)
    assert watcher.trigger.serialize()[1]["realtimekit_conn_id"] == "rtk"
    assert watcher.trigger.serialize()[1]["poll_interval"] == 15.0


def test_helper_refuses_an_unknown_kwarg_naming_the_accepted_ones():
    with pytest.raises(RealtimeKitConfigError, match=r"unknown kwargs \['poll_intervall'\].*'poll_interval'"):
        livestream_sessions_ended_asset(poll_intervall=30)


def test_example_dag_is_scheduled_on_the_watched_asset():
    bag = dagbag(REPO / "example_dags")

    assert bag.import_errors == {}
    dag = bag.dags["realtimekit_session_ended"]
    module = importlib.import_module("example_dags.realtimekit_session_ended")
    assert module.SESSIONS_ENDED.name == "realtimekit_livestream_sessions_ended"
    assert {task.task_id for task in dag.tasks} == {"ended_sessions", "write_report"}


def test_a_dag_file_with_bad_watcher_kwargs_fails_to_parse_with_the_message(tmp_path):
    (tmp_path / "bad_watch.py").write_text(
        textwrap.dedent(
            """
            from airflow.sdk import DAG, task
            from airflow_provider_realtimekit.assets import livestream_sessions_ended_asset

            ENDED = livestream_sessions_ended_asset(poll_interval=1)

            with DAG("bad_watch", schedule=[ENDED]):
                task(lambda: None, task_id="noop")()
            """
        )
    )

    bag = dagbag(tmp_path)

    assert "bad_watch" not in bag.dag_ids
    (error,) = bag.import_errors.values()
    assert "poll_interval must be at least 5 seconds" in error


class EventsByAsset(dict):
    """The run's ``triggering_asset_events``, looked up by asset as Airflow's accessor does (by its name)."""

    def __getitem__(self, asset: Any) -> Any:
        return super().__getitem__(asset.name)


def test_ended_sessions_keeps_one_payload_per_session_from_every_event_of_the_run():
    module = importlib.import_module("example_dags.realtimekit_session_ended")
    events = [
        SimpleNamespace(extra={"from_trigger": True, "payload": {"session_id": "a", "n": 1}}),
        SimpleNamespace(extra={"from_trigger": True, "payload": {"session_id": "b", "n": 2}}),
        SimpleNamespace(extra={"from_trigger": True, "payload": {"session_id": "a", "n": 3}}),
        SimpleNamespace(extra={}),  # an asset event created by hand carries no payload
    ]

    payloads = module.ended_sessions.function(
        triggering_asset_events=EventsByAsset({module.SESSIONS_ENDED.name: events})
    )

    assert payloads == [{"session_id": "a", "n": 3}, {"session_id": "b", "n": 2}]


def test_session_report_summarises_the_final_payload(emulator):
    module = importlib.import_module("example_dags.realtimekit_session_ended")
    livestream = emulator.add_livestream()
    session = emulator.add_session(
        livestream["id"], started="2026-03-01T10:00:00Z", stopped="2026-03-01T10:30:00Z", ingest_seconds=1800
    )
    payload = {
        "session_id": session["id"],
        "livestream_id": livestream["id"],
        "stopped_time": session["stopped_time"],
        "err_message": None,
        "session": emulator.session(session["id"]),
    }

    report = module.session_report(payload)

    assert report["duration_seconds"] == 1800
    assert report["ingest_minutes"] == 30
    assert report["session"] == payload["session"]
