"""A stopped_time that is not a timestamp fails the wait in every mode, trigger included (issue #12.3).

The emulator only serves well-formed times, so a small real server on 127.0.0.1 (pytest-httpserver)
answers the seed endpoint: live at first, then with a garbage ``stopped_time``.
"""

from __future__ import annotations

import json

import pytest
from werkzeug import Request, Response

from tests.airflow_runs import run_dag, task_state
from tests.dags import session_dags
from tests.hooks.conftest import APP_PATH, httpserver_listen_address, json_body, make_conn  # noqa: F401 (fixtures)

MODES = ["poke", "reschedule", "deferrable"]
SESSION_ID = "s1"


def serve_session(httpserver, *payloads: dict) -> None:
    """Answer the seed endpoint with each payload in turn, the last one for ever after."""
    answers = list(payloads)

    def answer(request: Request) -> Response:
        payload = answers.pop(0) if len(answers) > 1 else answers[0]
        return Response(json.dumps(json_body(payload)), content_type="application/json")

    httpserver.expect_request(f"{APP_PATH}/livestreams/sessions/{SESSION_ID}").respond_with_handler(answer)


def session(**fields) -> dict:
    return {"id": SESSION_ID, "livestream_id": "ls1", "started_time": "2026-11-20T07:00:00.000Z", **fields}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("garbage", ["stopped_time", "not-a-date"])
def test_garbage_stopped_time_fails_the_wait_naming_field_and_value(
    mode,
    garbage,
    httpserver,
    make_conn,  # noqa: F811 (the fixture imported above)
    airflow_db,
    capfd,
):
    make_conn("realtimekit_default")
    # Live on the first poll, so that in deferrable mode it is the trigger that meets the garbage.
    serve_session(httpserver, session(stopped_time=None), session(stopped_time=garbage))

    dag_run = run_dag(getattr(session_dags, f"sensor_{mode}"), session_id=SESSION_ID)

    assert task_state(dag_run, "wait") == "failed"
    captured = capfd.readouterr()
    output = captured.out + captured.err
    assert "RealtimeKitInvalidResponseError" in output
    assert f"stopped_time={garbage!r}" in output
    assert len(httpserver.log) == 2  # not a success, not polled on
