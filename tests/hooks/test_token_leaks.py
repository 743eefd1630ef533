"""The API token never leaves the Authorization header: not in logs, output, exceptions or return values."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from werkzeug import Request, Response

from airflow_provider_realtimekit.exceptions import RealtimeKitError, RealtimeKitInvalidResponseError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from tests.conftest import TOKEN
from tests.hooks.conftest import ACCOUNT_PATH, APP_PATH, cf_error, rtk_error

SESSION_PATH = f"{APP_PATH}/livestreams/sessions/s1"


def exception_texts(error: BaseException) -> list[str]:
    """Everything an error reporter could print: the formatted traceback and every chained exception."""
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return texts


def assert_token_absent(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text


@pytest.fixture
def output(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> Callable[[], list[str]]:
    """Every log record and every byte written to stdout/stderr during the test, as a list of texts."""
    caplog.set_level(logging.DEBUG)

    def everything() -> list[str]:
        out, err = capfd.readouterr()
        records = [record.getMessage() for record in caplog.records]
        return [out, err, caplog.text, *records, *(repr(record.__dict__) for record in caplog.records)]

    return everything


def auth_failure(httpserver, make_conn, request) -> str:
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(401, "Unauthorized"), status=401)
    return make_conn()


def not_found(httpserver, make_conn, request) -> str:
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(404, "No such session"), status=404)
    return make_conn()


def server_error_exhausted(httpserver, make_conn, request) -> str:
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "boom"), status=500)
    return make_conn()


def rate_limited_exhausted(httpserver, make_conn, request) -> str:
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        cf_error(971, "slow down"), status=429, headers={"Retry-After": "0"}
    )
    return make_conn()


def html_page(httpserver, make_conn, request) -> str:
    httpserver.expect_request(SESSION_PATH).respond_with_data("<html>502 Bad Gateway</html>", 502)
    return make_conn()


def read_timeout(httpserver, make_conn, request) -> str:
    slow_server = request.getfixturevalue("slow_server")
    return make_conn(host=slow_server.url_for("/client/v4"))


def connection_refused(httpserver, make_conn, request) -> str:
    return make_conn(host=f"http://127.0.0.1:{request.getfixturevalue('closed_port')}/client/v4")


FAILURES = [
    auth_failure,
    not_found,
    server_error_exhausted,
    rate_limited_exhausted,
    html_page,
    read_timeout,
    connection_refused,
]


@pytest.fixture(params=FAILURES, ids=[f.__name__ for f in FAILURES])
def failing_conn(request, httpserver, make_conn) -> str:
    """A connection whose calls fail in one of the ways above."""
    return request.param(httpserver, make_conn, request)


@pytest.mark.usefixtures("sleeps")
def test_failed_call_leaks_no_token(failing_conn, output):
    hook = RealtimeKitHook(failing_conn, timeout=0.2, max_attempts=2)

    with pytest.raises(RealtimeKitError) as raised:
        hook.get_livestream_session("s1")

    assert_token_absent(*exception_texts(raised.value), *output(), repr(hook), repr(hook.settings))


@pytest.mark.usefixtures("sleeps")
async def test_failed_async_call_leaks_no_token(failing_conn, output):
    async with RealtimeKitAsyncHook(failing_conn, timeout=0.2, max_attempts=2) as hook:
        with pytest.raises(RealtimeKitError) as raised:
            await hook.get_livestream_session("s1")

    assert_token_absent(*exception_texts(raised.value), *output(), repr(hook), repr(hook.settings))


BAD_INPUT: dict[str, Callable[[RealtimeKitHook], Any]] = {
    "bad-id": lambda hook: hook.get_livestream_session("../etc"),
    "unknown-status": lambda hook: hook.iter_livestreams(status="NOPE"),
    "naive-datetime": lambda hook: hook.get_livestream_analytics(
        datetime(2026, 11, 1), datetime(2026, 11, 2, tzinfo=timezone.utc)
    ),
}


@pytest.mark.parametrize("call", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_refused_input_leaks_no_token(httpserver, conn_id, output, call):
    hook = RealtimeKitHook(conn_id)

    with pytest.raises(RealtimeKitError) as raised:
        call(hook)

    assert_token_absent(*exception_texts(raised.value), *output(), repr(hook), repr(hook.settings))


@pytest.mark.parametrize("password", [f"{TOKEN}\n", f" {TOKEN}", f"{TOKEN} x"], ids=repr)
def test_malformed_token_is_refused_without_being_echoed(make_conn, output, password):
    hook = RealtimeKitHook(make_conn(password=password))

    with pytest.raises(RealtimeKitError) as raised:
        hook.get_livestream_session("s1")

    assert_token_absent(*exception_texts(raised.value), *output(), repr(hook))


def test_failed_connection_test_returns_no_token(httpserver, conn_id, output):
    httpserver.expect_request(f"{ACCOUNT_PATH}/tokens/verify").respond_with_json(
        cf_error(1000, "Invalid API Token"), status=401
    )
    httpserver.expect_request("/client/v4/user/tokens/verify").respond_with_json(
        cf_error(1000, "Invalid API Token"), status=401
    )
    hook = RealtimeKitHook(conn_id)

    result = hook.test_connection()

    assert result[0] is False
    assert_token_absent(repr(result), *output(), repr(hook), repr(hook.settings))


def test_successful_call_logs_no_token_but_is_captured(httpserver, conn_id, output):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"success": True, "data": {"id": "s1"}})
    hook = RealtimeKitHook(conn_id)

    session = hook.get_livestream_session("s1")

    captured = output()
    assert any("/livestreams/sessions/s1" in text for text in captured)  # the capture does see the traffic
    assert_token_absent(repr(session), *captured, repr(hook), repr(hook.settings))


def echo_authorization_as_html(request: Request) -> Response:
    page = f"<html><body><h1>Bad request</h1><pre>Authorization: {request.headers['Authorization']}</pre></body></html>"
    return Response(page, 500, content_type="text/html")


def echo_headers_as_text(request: Request) -> Response:
    return Response(f"bad gateway; request headers were {dict(request.headers)!r}", 502, content_type="text/plain")


def echo_authorization_in_a_json_error(request: Request) -> Response:
    body = rtk_error(400, f"Malformed header authorization={request.headers['Authorization']}")
    return Response(json.dumps(body), 400, content_type="application/json")


def echo_token_in_a_cloudflare_error(request: Request) -> Response:
    body = cf_error(6003, f"Invalid request headers: Authorization: {request.headers['Authorization']}")
    return Response(json.dumps(body), 400, content_type="application/json")


ECHOES = [
    echo_authorization_as_html,
    echo_headers_as_text,
    echo_authorization_in_a_json_error,
    echo_token_in_a_cloudflare_error,
]


@pytest.mark.parametrize("echo", ECHOES, ids=[f.__name__ for f in ECHOES])
def test_error_body_echoing_the_authorization_header_is_redacted(httpserver, conn_id, sleeps, output, echo):
    httpserver.expect_request(SESSION_PATH).respond_with_handler(echo)

    with pytest.raises(RealtimeKitError) as raised:
        RealtimeKitHook(conn_id, max_attempts=1).get_livestream_session("s1")

    assert_token_absent(*exception_texts(raised.value), *output())
    assert getattr(raised.value, "error_messages", []) == [] or all(
        TOKEN not in message for message in raised.value.error_messages
    )


def test_html_echo_keeps_a_useful_excerpt(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_handler(echo_authorization_as_html)

    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        RealtimeKitHook(conn_id, max_attempts=1).get_livestream_session("s1")

    assert "Bad request" in str(raised.value)
    assert "Authorization: ***" in str(raised.value)


def echo_bare_token_in_a_500(request: Request) -> Response:
    token = request.headers["Authorization"].split(" ", 1)[1]
    return Response(json.dumps({"success": False, "error": {"code": 500, "message": f"state {token} lost"}}), 500)


@pytest.mark.parametrize("use_async", [False, True])
def test_a_bare_token_echoed_without_any_keyword_is_scrubbed_by_the_transport(
    httpserver, conn_id, sleeps, output, use_async
):
    import asyncio

    from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook

    httpserver.expect_request(SESSION_PATH).respond_with_handler(echo_bare_token_in_a_500)

    async def call_async() -> None:
        async with RealtimeKitAsyncHook(conn_id, max_attempts=1) as hook:
            await hook.get_livestream_session("s1")

    with pytest.raises(RealtimeKitError) as raised:
        if use_async:
            asyncio.run(call_async())
        else:
            RealtimeKitHook(conn_id, max_attempts=1).get_livestream_session("s1")

    assert_token_absent(*exception_texts(raised.value), *output())
    assert "state *** lost" in str(raised.value)
