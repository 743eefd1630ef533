"""How RealtimeKitHook maps every failure to a typed exception, and which failures it retries."""

from __future__ import annotations

import email.utils
import time

import pytest
from werkzeug import Response

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitAuthError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
    RealtimeKitRateLimitError,
    RealtimeKitTransportError,
)
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from tests.hooks.conftest import ACCOUNT_ID, APP_ID, APP_PATH, BASE_PATH, cf_error, json_body, rtk_error

SESSION_PATH = f"{APP_PATH}/livestreams/sessions/s1"
SESSION = {"id": "s1", "livestream_id": "ls1"}


def get_session(conn_id: str, **hook_kwargs) -> dict:
    return RealtimeKitHook(conn_id, **hook_kwargs).get_livestream_session("s1")


# -- authentication and not-found ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize(
    "body",
    [rtk_error(401, "Unauthorized"), cf_error(10000, "Authentication error")],
    ids=["realtimekit-envelope", "cloudflare-envelope"],
)
def test_refused_token_raises_auth_error_naming_the_realtime_permission(httpserver, conn_id, sleeps, status, body):
    httpserver.expect_request(SESSION_PATH).respond_with_json(body, status=status)

    with pytest.raises(RealtimeKitAuthError) as raised:
        get_session(conn_id)

    assert "'Realtime'" in str(raised.value)
    assert len(httpserver.log) == 1


def test_auth_error_is_not_transient(httpserver, conn_id):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(401, "Unauthorized"), status=401)

    with pytest.raises(RealtimeKitAuthError) as raised:
        get_session(conn_id)

    assert raised.value.transient is False


def test_realtimekit_404_raises_not_found_with_the_api_message(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        rtk_error(404, "No livestream session found with id s1"), status=404
    )

    with pytest.raises(RealtimeKitNotFoundError) as raised:
        get_session(conn_id)

    assert "No livestream session found with id s1" in str(raised.value)
    assert "'s1'" in str(raised.value)
    assert len(httpserver.log) == 1


def test_cloudflare_routing_error_says_account_id_or_app_id_is_wrong(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        cf_error(7003, "Could not route to /accounts/x/realtime, perhaps your object identifier is invalid?"),
        status=404,
    )

    with pytest.raises(RealtimeKitNotFoundError) as raised:
        get_session(conn_id)

    assert "account_id" in str(raised.value)
    assert "app_id" in str(raised.value)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("data", [None, {}], ids=["null", "empty-object"])
def test_success_without_data_means_not_found(httpserver, conn_id, sleeps, data):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"success": True, "data": data})

    with pytest.raises(RealtimeKitNotFoundError):
        get_session(conn_id)

    assert len(httpserver.log) == 1


@pytest.mark.parametrize("status", [401, 403, 404])
def test_status_meaning_wins_over_a_body_that_is_not_json(httpserver, conn_id, sleeps, status):
    expected = RealtimeKitNotFoundError if status == 404 else RealtimeKitAuthError
    httpserver.expect_request(SESSION_PATH).respond_with_data("<html>denied</html>", status, content_type="text/html")

    with pytest.raises(expected):
        get_session(conn_id)

    assert len(httpserver.log) == 1


# -- rate limits ---------------------------------------------------------------------------------------


def rate_limited_then_ok(httpserver, headers: dict[str, str]) -> None:
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(
        cf_error(971, "Please wait and consider throttling your request speed"), status=429, headers=headers
    )
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(json_body(SESSION))


def test_429_is_retried_after_the_retry_after_seconds(httpserver, conn_id, sleeps):
    rate_limited_then_ok(httpserver, {"Retry-After": "7"})

    session = get_session(conn_id)

    assert session == SESSION
    assert sleeps == [7.0]
    assert len(httpserver.log) == 2


def test_429_is_retried_after_a_retry_after_http_date(httpserver, conn_id, sleeps):
    rate_limited_then_ok(httpserver, {"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)})

    session = get_session(conn_id)

    assert session == SESSION
    assert len(sleeps) == 1
    assert 25 <= sleeps[0] <= 30


def test_429_prefers_retry_after_ms(httpserver, conn_id, sleeps):
    rate_limited_then_ok(httpserver, {"retry-after-ms": "250", "Retry-After": "9"})

    get_session(conn_id)

    assert sleeps == [0.25]


def test_429_without_retry_after_is_taken_as_cloudflares_five_minute_block_and_not_retried(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(cf_error(971, "slow down"), status=429)

    with pytest.raises(RealtimeKitRateLimitError) as raised:
        get_session(conn_id, max_attempts=4)

    assert raised.value.retry_after == 300.0  # what a waiting sensor keeps quiet for
    assert "5 minutes (no retry-after given" in str(raised.value)
    assert len(httpserver.log) == 1  # backing off for seconds would only prolong the block
    assert sleeps == []


def test_429_really_waits_for_retry_after(httpserver, conn_id):
    rate_limited_then_ok(httpserver, {"Retry-After": "1"})
    started = time.monotonic()

    get_session(conn_id)

    assert time.monotonic() - started >= 1.0


def test_429_raises_rate_limit_error_when_attempts_run_out(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        cf_error(971, "Please wait"), status=429, headers={"Retry-After": "2"}
    )

    with pytest.raises(RealtimeKitRateLimitError) as raised:
        get_session(conn_id, max_attempts=3)

    assert raised.value.status == 429
    assert raised.value.retry_after == 2.0
    assert raised.value.transient is True
    assert len(httpserver.log) == 3
    assert sleeps == [2.0, 2.0]


def test_429_with_retry_after_above_the_cap_gives_up_at_once(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        cf_error(971, "Please wait"), status=429, headers={"Retry-After": "300"}
    )

    with pytest.raises(RealtimeKitRateLimitError) as raised:
        get_session(conn_id)

    assert raised.value.retry_after == 300.0
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_retry_after_cap_comes_from_the_hook_argument(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(
        cf_error(971, "Please wait"), status=429, headers={"Retry-After": "5"}
    )

    with pytest.raises(RealtimeKitRateLimitError):
        get_session(conn_id, retry_after_cap=4)

    assert len(httpserver.log) == 1


def test_429_with_an_html_body_is_still_a_retried_rate_limit(httpserver, conn_id, sleeps):
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_data(
        "<html>Error 1015: You are being rate limited</html>", 429, {"Retry-After": "3"}, content_type="text/html"
    )
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(json_body(SESSION))

    assert get_session(conn_id) == SESSION
    assert sleeps == [3.0]


# -- server errors and client errors -------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_is_retried_then_raised_with_status_codes_and_messages(httpserver, conn_id, sleeps, status):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(status, "upstream exploded"), status=status)

    with pytest.raises(RealtimeKitAPIError) as raised:
        get_session(conn_id, max_attempts=3)

    error = raised.value
    assert type(error) is RealtimeKitAPIError
    assert error.status == status
    assert error.error_codes == [status]
    assert error.error_messages == ["upstream exploded"]
    assert "upstream exploded" in str(error)
    assert f"HTTP {status}" in str(error)
    assert len(httpserver.log) == 3


def test_server_error_then_success_returns_the_data(httpserver, conn_id, sleeps):
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(rtk_error(503, "busy"), status=503)
    httpserver.expect_ordered_request(SESSION_PATH).respond_with_json(json_body(SESSION))

    assert get_session(conn_id) == SESSION
    assert len(sleeps) == 1


def test_cloudflare_envelope_errors_are_reported_with_their_codes(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(cf_error(10001, "internal"), status=500)

    with pytest.raises(RealtimeKitAPIError) as raised:
        get_session(conn_id, max_attempts=1)

    assert raised.value.error_codes == [10001]
    assert raised.value.error_messages == ["internal"]


@pytest.mark.parametrize("status", [400, 422])
def test_client_error_is_not_retried(httpserver, conn_id, sleeps, status):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(status, "malformed"), status=status)

    with pytest.raises(RealtimeKitAPIError) as raised:
        get_session(conn_id)

    assert raised.value.status == status
    assert raised.value.error_messages == ["malformed"]
    assert len(httpserver.log) == 1
    assert sleeps == []


# -- bodies that are not the promised JSON ---------------------------------------------------------------


def test_html_error_page_raises_invalid_response_with_a_short_sanitized_excerpt(httpserver, conn_id, sleeps):
    page = "<html><head><title>502 Bad Gateway</title></head>\r\n<body>\x00\x07" + "x" * 5000 + "</body></html>"
    httpserver.expect_request(SESSION_PATH).respond_with_data(page, 502, content_type="text/html")

    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        get_session(conn_id, max_attempts=2)

    message = str(raised.value)
    assert raised.value.status == 502
    assert "502 Bad Gateway" in message
    assert "text/html" in message
    assert len(message) < 600
    assert not any(ord(c) < 32 for c in message)
    assert len(httpserver.log) == 2


def test_truncated_json_raises_invalid_response(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_data(
        '{"success": true, "data": {"id": "s1", "stopp', 200, content_type="application/json"
    )

    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        get_session(conn_id, max_attempts=1)

    assert "not JSON" in str(raised.value)


def test_json_that_is_not_an_object_raises_invalid_response(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json([1, 2, 3])

    with pytest.raises(RealtimeKitInvalidResponseError):
        get_session(conn_id, max_attempts=1)


def test_success_false_on_a_200_without_a_code_raises_api_error_once(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json({"success": False, "error": {"message": "nope"}})

    with pytest.raises(RealtimeKitAPIError) as raised:
        get_session(conn_id)

    assert type(raised.value) is RealtimeKitAPIError
    assert raised.value.status == 200
    assert "nope" in str(raised.value)
    assert len(httpserver.log) == 1


def test_success_false_on_a_200_with_a_404_code_is_not_found(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(404, "No livestream session"))

    with pytest.raises(RealtimeKitNotFoundError):
        get_session(conn_id)

    assert len(httpserver.log) == 1


def test_success_false_on_a_200_with_a_500_code_is_retried(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "internal"))

    with pytest.raises(RealtimeKitAPIError) as raised:
        get_session(conn_id, max_attempts=2)

    assert raised.value.status == 500
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("body", ["", '{"success": true, "data": {"id": "s-1"}}'], ids=["empty", "json-body"])
def test_redirect_is_not_followed_and_names_the_base_url(httpserver, conn_id, sleeps, body):
    httpserver.expect_request(SESSION_PATH).respond_with_response(
        Response(body, 301, headers={"Location": "https://127.0.0.1:1/elsewhere"})
    )

    with pytest.raises(RealtimeKitAPIError) as raised:
        get_session(conn_id)

    assert raised.value.status == 301
    assert not raised.value.transient
    assert "redirect to https://127.0.0.1:1/elsewhere" in str(raised.value)
    assert "set the connection's host" in str(raised.value)
    assert len(httpserver.log) == 1


async def test_async_hook_refuses_a_redirect_too(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_response(
        Response('{"success": true, "data": {"id": "s-1"}}', 302, headers={"Location": "/elsewhere"})
    )

    async with RealtimeKitAsyncHook(conn_id) as hook:
        with pytest.raises(RealtimeKitAPIError, match="HTTP 302, a redirect to /elsewhere"):
            await hook.get_livestream_session("s1")

    assert len(httpserver.log) == 1


# -- no answer at all --------------------------------------------------------------------------------------


def test_https_to_a_plain_http_server_says_to_write_http(httpserver, make_conn, sleeps):
    conn_id = make_conn(host=httpserver.url_for(BASE_PATH).replace("http://", "https://"))

    with pytest.raises(RealtimeKitTransportError, match="write http:// in the connection's host"):
        RealtimeKitHook(conn_id, max_attempts=1).get_livestream_session("s1")


async def test_async_https_to_a_plain_http_server_says_to_write_http(httpserver, make_conn, sleeps):
    conn_id = make_conn(host=httpserver.url_for(BASE_PATH).replace("http://", "https://"))

    async with RealtimeKitAsyncHook(conn_id, max_attempts=1) as hook:
        with pytest.raises(RealtimeKitTransportError, match="write http:// in the connection's host"):
            await hook.get_livestream_session("s1")


def test_connection_refused_raises_transport_error_after_retries(make_conn, closed_port, sleeps):
    conn_id = make_conn(host=f"http://127.0.0.1:{closed_port}/client/v4")
    hook = RealtimeKitHook(conn_id, max_attempts=3)

    with pytest.raises(RealtimeKitTransportError) as raised:
        hook.get_livestream_session("s1")

    assert "Could not reach RealtimeKit" in str(raised.value)
    assert "TLS" not in str(raised.value)
    assert hook.requests_sent == 3
    assert len(sleeps) == 2


def test_read_timeout_raises_transport_error_after_retries(make_conn, slow_server, sleeps):
    conn_id = make_conn(host=slow_server.url_for("/client/v4"))
    hook = RealtimeKitHook(conn_id, timeout=0.2, max_attempts=2)

    with pytest.raises(RealtimeKitTransportError) as raised:
        hook.get_livestream_session("s1")

    assert "within the timeout" in str(raised.value)
    assert hook.requests_sent == 2
    assert len(sleeps) == 1


def test_timeout_pair_sets_connect_and_read_separately(make_conn, slow_server, sleeps):
    conn_id = make_conn(host=slow_server.url_for("/client/v4"))
    hook = RealtimeKitHook(conn_id, timeout=(2.0, 0.2), max_attempts=1)

    with pytest.raises(RealtimeKitTransportError) as raised:
        hook.get_livestream_session("s1")

    assert "connect 2 s, read 0.2 s" in str(raised.value)


def test_read_timeout_comes_from_the_connection_extra(make_conn, slow_server, sleeps):
    conn_id = make_conn(
        host=slow_server.url_for("/client/v4"),
        extra={"account_id": ACCOUNT_ID, "app_id": APP_ID, "read_timeout": 0.2, "max_attempts": 1},
    )

    with pytest.raises(RealtimeKitTransportError):
        RealtimeKitHook(conn_id).get_livestream_session("s1")


# -- how many attempts ---------------------------------------------------------------------------------------


def test_max_attempts_defaults_to_four(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "boom"), status=500)

    with pytest.raises(RealtimeKitAPIError):
        get_session(conn_id)

    assert len(httpserver.log) == 4


def test_max_attempts_comes_from_the_connection_extra(httpserver, make_conn, sleeps):
    conn_id = make_conn(extra={"account_id": ACCOUNT_ID, "app_id": APP_ID, "max_attempts": 2})
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "boom"), status=500)

    with pytest.raises(RealtimeKitAPIError):
        get_session(conn_id)

    assert len(httpserver.log) == 2


def test_max_attempts_hook_argument_wins_over_the_connection_extra(httpserver, make_conn, sleeps):
    conn_id = make_conn(extra={"account_id": ACCOUNT_ID, "app_id": APP_ID, "max_attempts": 2})
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(500, "boom"), status=500)

    with pytest.raises(RealtimeKitAPIError):
        get_session(conn_id, max_attempts=3)

    assert len(httpserver.log) == 3


def test_max_attempts_one_means_no_retry(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(503, "busy"), status=503)

    with pytest.raises(RealtimeKitAPIError):
        get_session(conn_id, max_attempts=1)

    assert len(httpserver.log) == 1
    assert sleeps == []


def test_each_retry_is_logged_as_a_warning(httpserver, conn_id, sleeps, caplog):
    httpserver.expect_request(SESSION_PATH).respond_with_json(rtk_error(503, "busy"), status=503)

    with pytest.raises(RealtimeKitAPIError):
        get_session(conn_id, max_attempts=3)

    warnings = [r.getMessage() for r in caplog.records if r.name == "airflow_provider_realtimekit.api.retry"]
    assert len(warnings) == 2
    assert "HTTP 503" in warnings[0]
    assert "retry 1 of 2" in warnings[0]


def test_truncated_json_on_a_200_is_retried_since_a_cut_connection_may_heal(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_data('{"success": true, "da', 200)

    with pytest.raises(RealtimeKitInvalidResponseError):
        get_session(conn_id, max_attempts=3)

    assert len(httpserver.log) == 3


def test_json_of_the_wrong_shape_on_a_200_is_not_retried(httpserver, conn_id, sleeps):
    httpserver.expect_request(SESSION_PATH).respond_with_json([1, 2, 3])

    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        get_session(conn_id, max_attempts=3)

    assert not raised.value.transient
    assert len(httpserver.log) == 1
    assert sleeps == []
