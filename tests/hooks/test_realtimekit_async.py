"""RealtimeKitAsyncHook: same requests, same errors, same retries as the sync hook, over httpx."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitAuthError,
    RealtimeKitConfigError,
    RealtimeKitError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
    RealtimeKitRateLimitError,
    RealtimeKitTransportError,
)
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from tests.conftest import TOKEN
from tests.hooks.conftest import ACCOUNT_ID, APP_ID, APP_PATH, cf_error, json_body, rtk_error

SESSION_PATH = f"{APP_PATH}/livestreams/sessions/s1"
SESSION = {"id": "s1", "livestream_id": "ls1", "stopped_time": None}


async def get_session(conn_id: str, session_id: str = "s1", **hook_kwargs) -> dict:
    async with RealtimeKitAsyncHook(conn_id, **hook_kwargs) as hook:
        return await hook.get_livestream_session(session_id)


async def test_async_get_livestream_session_sends_the_same_request_as_the_sync_hook(httpserver, conn_id):
    httpserver.expect_request(SESSION_PATH, method="GET").respond_with_json(json_body(SESSION))

    session = await get_session(conn_id)

    assert session == SESSION
    [(request, _)] = httpserver.log
    assert request.path == SESSION_PATH
    assert dict(request.args) == {}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"].startswith("airflow-provider-realtimekit/")


async def test_async_hook_honours_a_base_url_with_a_path(httpserver, make_conn):
    conn_id = make_conn(host=httpserver.url_for("/client/v4/"))
    httpserver.expect_request(SESSION_PATH).respond_with_json(json_body(SESSION))

    assert await get_session(conn_id) == SESSION


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, rtk_error(401, "Unauthorized"), RealtimeKitAuthError),
        (403, cf_error(10000, "Authentication error"), RealtimeKitAuthError),
        (404, rtk_error(404, "No livestream session"), RealtimeKitNotFoundError),
        (404, cf_error(7003, "Could not route"), RealtimeKitNotFoundError),
        (400, rtk_error(400, "malformed"), RealtimeKitAPIError),
        (422, rtk_error(422, "unprocessable"), RealtimeKitAPIError),
    ],
    ids=["401", "403", "404", "404-routing", "400", "422"],
)
@pytest.mark.usefixtures("sleeps")
async def test_async_hook_maps_errors_like_the_sync_hook_without_retrying(httpserver, conn_id, status, body, expected):
    httpserver.expect_request(SESSION_PATH).respond_with_json(body, status=status)

    with pytest.raises(expected):
        await get_session(conn_id)

    assert len(httpserver.log) == 1


@pytest.mark.parametrize("data", [None, {}], ids=["null", "empty-object"])
async def test_async_success_without_data_means_not_found(httpserver, conn_id, data):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"success": True, "data": data})

    with pytest.raises(RealtimeKitNotFoundError):
        await get_session(conn_id)


async def test_async_routing_error_names_account_id_and_app_id(httpserver, conn_id):
    httpserver.expect_request(SESSION_PATH).respond_with_json(cf_error(7003, "Could not route"), status=404)

    with pytest.raises(RealtimeKitNotFoundError) as raised:
        await get_session(conn_id)

    assert "account_id" in str(raised.value)
    assert "app_id" in str(raised.value)


async def test_async_server_error_is_retried_then_succeeds(httpserver, conn_id, sleeps):
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(rtk_error(503, "busy"), status=503)
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(json_body(SESSION))

    assert await get_session(conn_id) == SESSION
    assert len(sleeps) == 1
    assert len(httpserver.log) == 2


async def test_async_server_error_raises_api_error_when_attempts_run_out(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "exploded"), status=500)

    with pytest.raises(RealtimeKitAPIError) as raised:
        await get_session(conn_id, max_attempts=3)

    assert raised.value.status == 500
    assert raised.value.error_messages == ["exploded"]
    assert len(httpserver.log) == 3


async def test_async_429_honours_retry_after(httpserver, conn_id, sleeps):
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(
        cf_error(971, "slow down"), status=429, headers={"Retry-After": "4"}
    )
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(json_body(SESSION))

    assert await get_session(conn_id) == SESSION
    assert sleeps == [4.0]


async def test_async_429_above_the_cap_gives_up_at_once(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        cf_error(971, "slow down"), status=429, headers={"Retry-After": "300"}
    )

    with pytest.raises(RealtimeKitRateLimitError):
        await get_session(conn_id)

    assert len(httpserver.log) == 1


async def test_async_html_body_raises_invalid_response(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_data("<html>Bad gateway</html>", 502, content_type="text/html")

    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        await get_session(conn_id, max_attempts=2)

    assert "Bad gateway" in str(raised.value)
    assert len(httpserver.log) == 2


async def test_async_connection_refused_raises_transport_error_after_retries(make_conn, closed_port, sleeps):
    conn_id = make_conn(host=f"http://127.0.0.1:{closed_port}/client/v4")

    async with RealtimeKitAsyncHook(conn_id, max_attempts=3) as hook:
        with pytest.raises(RealtimeKitTransportError, match="Could not reach"):
            await hook.get_livestream_session("s1")

    assert hook.requests_sent == 3
    assert len(sleeps) == 2


async def test_async_read_timeout_raises_transport_error_after_retries(make_conn, slow_server, sleeps):
    conn_id = make_conn(host=slow_server.url_for("/client/v4"))

    async with RealtimeKitAsyncHook(conn_id, timeout=0.2, max_attempts=2) as hook:
        with pytest.raises(RealtimeKitTransportError, match="within the timeout"):
            await hook.get_livestream_session("s1")

    assert hook.requests_sent == 2


async def test_async_max_attempts_comes_from_the_connection_extra(httpserver, make_conn, sleeps):
    conn_id = make_conn(extra={"account_id": ACCOUNT_ID, "app_id": APP_ID, "max_attempts": 2})
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "boom"), status=500)

    with pytest.raises(RealtimeKitAPIError):
        await get_session(conn_id)

    assert len(httpserver.log) == 2


@pytest.mark.parametrize("bad_id", ["", "../x", "a/b", "%2e%2e", ".", None, "x" * 129], ids=repr)
async def test_async_bad_id_is_refused_before_any_request(httpserver, conn_id, bad_id):
    with pytest.raises(RealtimeKitConfigError):
        await get_session(conn_id, bad_id)

    assert httpserver.log == []


async def test_async_bad_connection_is_refused_on_enter(httpserver, make_conn):
    conn_id = make_conn(extra={"app_id": "x"})

    with pytest.raises(RealtimeKitConfigError, match="account_id"):
        async with RealtimeKitAsyncHook(conn_id):
            pass

    assert httpserver.log == []


async def test_async_client_is_closed_after_exit(httpserver, conn_id):
    httpserver.expect_request(SESSION_PATH).respond_with_json(json_body(SESSION))
    async with RealtimeKitAsyncHook(conn_id) as hook:
        await hook.get_livestream_session("s1")
        client = hook._client

    assert client is not None
    assert client.is_closed
    with pytest.raises(RealtimeKitError, match="async with"):
        await hook.get_livestream_session("s1")
    assert len(httpserver.log) == 1


async def test_async_client_is_closed_when_the_block_raises(httpserver, conn_id):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(404, "gone"), status=404)

    with pytest.raises(RealtimeKitNotFoundError):
        async with RealtimeKitAsyncHook(conn_id) as hook:
            client = hook._client
            await hook.get_livestream_session("s1")

    assert client is not None
    assert client.is_closed


async def test_async_hook_used_without_async_with_says_how_to_use_it(conn_id):
    hook = RealtimeKitAsyncHook(conn_id)

    with pytest.raises(RealtimeKitError, match="async with"):
        await hook.get_livestream_session("s1")
