"""What an error message says the user should look at: the route that failed, what the server said.

Issue #15.3 (a 404 names the likely cause for the route that failed) and #12.2 (a 4xx body in neither
envelope is quoted, redacted). Real HTTP: the emulator, or pytest-httpserver on 127.0.0.1.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_realtimekit.api import ApiRequest, user_token_verify
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
    RealtimeKitRequestRejectedError,
)
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.conftest import TOKEN
from tests.hooks.conftest import APP_PATH, cf_error

LIVESTREAMS_PATH = f"{APP_PATH}/livestreams"
SESSION_PATH = f"{APP_PATH}/livestreams/sessions/s1"


# -- #15.3: a 404 names the likely cause for the route that failed --------------------------------------------


def test_test_button_on_a_host_without_client_v4_names_the_base_url_not_the_ids(emulator, monkeypatch):
    conn = emulator.connection()
    conn["host"] = emulator.base_url.removesuffix("/client/v4")
    monkeypatch.setenv("AIRFLOW_CONN_RTK_NO_PREFIX", json.dumps(conn))

    ok, message = RealtimeKitHook("rtk_no_prefix").test_connection()

    assert ok is False
    assert "/client/v4" in message
    assert conn["host"] in message
    assert "app_id" not in message
    assert "tokens/verify" in message


def test_user_token_verify_404_blames_only_the_base_url(httpserver, make_conn, sleeps):
    conn_id = make_conn(host=httpserver.url_for("/proxy"))
    httpserver.expect_request("/proxy/user/tokens/verify").respond_with_json(cf_error(7000, "No route"), status=404)

    with pytest.raises(RealtimeKitNotFoundError) as raised:
        hook = RealtimeKitHook(conn_id)
        hook.call(user_token_verify())

    message = str(raised.value)
    assert "built from no id" in message
    assert "/client/v4" in message
    assert "account_id" not in message and "app_id" not in message


def test_unknown_route_under_client_v4_blames_the_ids_first(httpserver, conn_id, sleeps):
    httpserver.expect_request(LIVESTREAMS_PATH).respond_with_json(cf_error(7003, "Could not route"), status=404)

    with pytest.raises(RealtimeKitNotFoundError) as raised:
        list(RealtimeKitHook(conn_id).iter_livestreams())

    message = str(raised.value)
    assert message.index("account_id or app_id") < message.index("/client/v4")


def test_plain_404_of_a_named_session_says_the_session_does_not_exist(emulator, realtimekit_conn):
    with pytest.raises(RealtimeKitNotFoundError) as raised:
        RealtimeKitHook(realtimekit_conn).get_livestream_session("no-such-session")

    message = str(raised.value)
    assert "has no livestream session 'no-such-session'" in message
    assert "/client/v4" not in message


# -- #12.2: a 4xx body in neither envelope is quoted, redacted ------------------------------------------------

PROBLEM = {
    "type": "https://api.cloudflare.com/problems/validation",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "status must be one of LIVE, IDLE, ERRORED, INVOKED",
    "validation": [{"path": "query.status", "message": "unexpected value"}],
    "stream_key": "sk-live-SECRET-1234",
    "echo": f"Authorization: Bearer {TOKEN}",
    "ingest": "rtmps://live.example.com:443/live/SECRETKEY999",
}


def test_problem_json_4xx_quotes_what_the_server_said_without_secrets(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_data(
        json.dumps(PROBLEM), status=422, content_type="application/problem+json"
    )

    with pytest.raises(RealtimeKitRequestRejectedError) as raised:
        RealtimeKitHook(conn_id).get_livestream_session("s1")

    message = str(raised.value)
    assert "no error message in the response" not in message
    assert "Unprocessable Entity; status must be one of LIVE" in message
    assert "query.status: unexpected value" in message
    assert "SECRET" not in message and TOKEN not in message
    assert len(httpserver.log) == 1  # a rejected request is not retried


def test_json_4xx_of_another_shape_is_quoted_with_secret_values_redacted(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        {"reason": "blocked by policy", "stream_key": "sk-SECRET", "ingest": "rtmps://live.example.com/live/SECRET"},
        status=400,
    )

    with pytest.raises(RealtimeKitRequestRejectedError) as raised:
        RealtimeKitHook(conn_id).get_livestream_session("s1")

    message = str(raised.value)
    assert "blocked by policy" in message
    assert '"stream_key": "***"' in message and "rtmps://live.example.com/***" in message
    assert "SECRET" not in message


def test_problem_json_excerpt_is_short(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"title": "Bad", "detail": "x" * 5000}, status=400)

    with pytest.raises(RealtimeKitRequestRejectedError) as raised:
        RealtimeKitHook(conn_id).get_livestream_session("s1")

    assert len(str(raised.value)) < 700
    assert raised.value.status == 400


def test_plain_text_4xx_is_a_rejected_request_quoting_the_text(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_data(
        "per_page must be at most 50", status=400, content_type="text/plain"
    )

    with pytest.raises(RealtimeKitRequestRejectedError) as raised:
        RealtimeKitHook(conn_id).get_livestream_session("s1")

    assert "per_page must be at most 50" in str(raised.value)
    assert isinstance(raised.value, RealtimeKitAPIError)  # users' `except RealtimeKitAPIError` still catches it
    assert len(httpserver.log) == 1


def test_envelope_without_a_message_still_says_so(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"success": False}, status=400)

    with pytest.raises(RealtimeKitRequestRejectedError, match="no error message in the response"):
        RealtimeKitHook(conn_id).get_livestream_session("s1")


@pytest.mark.parametrize("shape", ["cloudflare", "problem"])
def test_the_emulators_422_for_a_refused_filter_is_quoted_in_both_shapes(emulator, realtimekit_conn, shape):
    # The provider refuses status=OFFLINE itself, so the request is built by hand: what a value the
    # provider does not know to refuse would meet.
    emulator.variants.validation_error = shape
    hook = RealtimeKitHook(realtimekit_conn)
    request = hook.settings.app.livestreams()
    request = ApiRequest(request.method, request.path, {**request.params, "status": "OFFLINE"}, what="livestreams")

    with pytest.raises(RealtimeKitRequestRejectedError) as raised:
        hook.call(request)

    message = str(raised.value)
    assert "status must be one of LIVE, IDLE, ERRORED, INVOKED" in message
    if shape == "problem":
        assert "query.status: status must be one of" in message
    assert [r.status for r in emulator.requests] == [422]


@pytest.mark.parametrize("data", [[{"id": "s1"}], "s1", 7], ids=["list", "string", "number"])
def test_session_data_that_is_not_an_object_is_an_invalid_response_not_retried(httpserver, conn_id, sleeps, data):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"success": True, "data": data})

    with pytest.raises(RealtimeKitInvalidResponseError, match="instead of an object") as raised:
        RealtimeKitHook(conn_id).get_livestream_session("s1")

    assert raised.value.transient is False
    assert len(httpserver.log) == 1
