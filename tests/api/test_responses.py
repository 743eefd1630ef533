"""Envelopes, error mapping and Retry-After, straight from the protocol module."""

from __future__ import annotations

import email.utils
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.api.responses import (
    ApiResponse,
    excerpt,
    parse_response,
    retry_after_seconds,
    unwrap,
)
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitAuthError,
    RealtimeKitError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
    RealtimeKitRateLimitError,
)

OBJECT = ApiRequest(
    "GET", "/accounts/a/realtime/kit/b/livestreams/sessions/s1", what="livestream session 's1'", names_object=True
)
LIST = ApiRequest("GET", "/accounts/a/realtime/kit/b/livestreams", what="livestreams", expects_object=False)
NOW = 1_800_000_000.0


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> ApiResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ApiResponse(status, headers or {"Content-Type": "application/json"}, raw)


# -- success envelopes --------------------------------------------------------------------------------------------


def test_realtimekit_success_envelope_returns_the_whole_body():
    body = {"success": True, "data": {"id": "s1"}, "paging": {"total_count": 1}}

    assert parse_response(OBJECT, answer(200, body)) == body


def test_cloudflare_success_envelope_is_accepted_and_unwraps_result():
    body = {"success": True, "errors": [], "messages": [], "result": {"id": "t", "status": "active"}}

    parsed = parse_response(OBJECT, answer(200, body))

    assert unwrap(parsed) == {"id": "t", "status": "active"}


def test_unwrap_prefers_data_over_result():
    assert unwrap({"data": [1], "result": [2]}) == [1]
    assert unwrap({"success": True}) is None


@pytest.mark.parametrize("body", [{"success": True, "data": None}, {"success": True, "data": {}}, {"success": True}])
def test_missing_object_is_not_found(body):
    with pytest.raises(RealtimeKitNotFoundError, match="livestream session 's1'"):
        parse_response(OBJECT, answer(200, body))


@pytest.mark.parametrize("data", [None, [], {}])
def test_empty_data_is_fine_for_lists(data):
    assert parse_response(LIST, answer(200, {"success": True, "data": data}))["data"] == data


def test_201_is_a_success():
    assert parse_response(OBJECT, answer(201, {"success": True, "data": {"id": "x"}}))["data"] == {"id": "x"}


# -- error envelopes ----------------------------------------------------------------------------------------------


def test_realtimekit_error_envelope_gives_code_and_message():
    with pytest.raises(RealtimeKitAPIError) as raised:
        parse_response(OBJECT, answer(500, {"success": False, "error": {"code": 500, "message": "db down"}}))

    assert (raised.value.status, raised.value.error_codes, raised.value.error_messages) == (500, [500], ["db down"])


def test_cloudflare_error_envelope_gives_every_code_and_message():
    body = {"success": False, "errors": [{"code": 10001, "message": "a"}, {"code": 10002, "message": "b"}]}

    with pytest.raises(RealtimeKitAPIError) as raised:
        parse_response(OBJECT, answer(502, body))

    assert raised.value.error_codes == [10001, 10002]
    assert raised.value.error_messages == ["a", "b"]
    assert "a; b" in str(raised.value)


def test_error_given_as_a_plain_string_is_reported():
    with pytest.raises(RealtimeKitAPIError, match="plain failure"):
        parse_response(OBJECT, answer(500, {"success": False, "error": "plain failure"}))


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_auth_errors_that_name_the_permission(status):
    with pytest.raises(RealtimeKitAuthError, match="'Realtime'"):
        parse_response(OBJECT, answer(status, {"success": False, "errors": [{"code": 10000, "message": "auth"}]}))


@pytest.mark.parametrize("code", [7000, 7003])
def test_cloudflare_routing_codes_blame_the_account_or_app_id(code):
    with pytest.raises(RealtimeKitNotFoundError, match="account_id or app_id"):
        parse_response(OBJECT, answer(404, {"success": False, "errors": [{"code": code, "message": "no route"}]}))


def test_plain_404_names_what_was_missing():
    with pytest.raises(RealtimeKitNotFoundError, match="livestream session 's1'"):
        parse_response(OBJECT, answer(404, {"success": False, "error": {"code": 404, "message": "No session"}}))


def test_429_is_a_rate_limit_error_carrying_retry_after():
    with pytest.raises(RealtimeKitRateLimitError) as raised:
        parse_response(OBJECT, answer(429, {"success": False}, {"Retry-After": "5"}))

    assert raised.value.retry_after == 5.0
    assert raised.value.transient


def test_success_false_on_200_uses_the_status_in_error_code():
    with pytest.raises(RealtimeKitNotFoundError):
        parse_response(OBJECT, answer(200, {"success": False, "error": {"code": 404, "message": "gone"}}))


def test_success_false_on_200_with_a_non_http_code_is_an_api_error():
    with pytest.raises(RealtimeKitAPIError) as raised:
        parse_response(OBJECT, answer(200, {"success": False, "errors": [{"code": 1234, "message": "odd"}]}))

    assert raised.value.status == 200
    assert raised.value.error_codes == [1234]
    assert not raised.value.transient


# -- bodies that are not JSON objects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"<html>oops</html>", b'{"success": true, "data": {"id"', b"", b"\xff\xfe\x00"], ids=repr
)
def test_non_json_body_is_an_invalid_response(raw):
    with pytest.raises(RealtimeKitInvalidResponseError):
        parse_response(OBJECT, answer(200, raw))


@pytest.mark.parametrize("body", [[1, 2], "text", 3, None, True])
def test_json_that_is_not_an_object_is_an_invalid_response(body):
    with pytest.raises(RealtimeKitInvalidResponseError):
        parse_response(OBJECT, answer(200, body))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, RealtimeKitAuthError),
        (403, RealtimeKitAuthError),
        (404, RealtimeKitNotFoundError),
        (429, RealtimeKitRateLimitError),
    ],
)
def test_status_meaning_survives_a_non_json_body(status, expected):
    with pytest.raises(expected):
        parse_response(OBJECT, answer(status, b"<html>proxy page</html>", {"Retry-After": "1"}))


def test_html_on_a_5xx_is_a_transient_invalid_response():
    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        parse_response(OBJECT, answer(503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"}))

    assert raised.value.status == 503
    assert raised.value.transient
    assert "Service Unavailable" in str(raised.value)


def test_excerpt_is_short_printable_and_redacts_credentials():
    text = excerpt(b"Authorization: Bearer abc.def\r\n token=xyz \x00" + b"y" * 1000)

    assert "abc.def" not in text
    assert "xyz" not in text
    assert not any(ord(c) < 32 for c in text)
    assert len(text) <= 203
    assert text.endswith("...")


# -- Retry-After --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"RETRY-AFTER": "0"}, 0.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"Retry-After": "whenever"}, None),
        ({}, None),
    ],
    ids=repr,
)
def test_retry_after_seconds_reads_every_form(headers, seconds):
    assert retry_after_seconds(ApiResponse(429, headers), now=NOW) == seconds


# -- the property -------------------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
ENVELOPE_KEYS = st.sampled_from(
    ["success", "data", "result", "error", "errors", "paging", "messages", "code", "message"]
)
ENVELOPE_LIKE = st.dictionaries(ENVELOPE_KEYS, JSON, max_size=5)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON.map(lambda value: json.dumps(value).encode()),
    ENVELOPE_LIKE.map(lambda value: json.dumps(value).encode()),
    st.builds(
        lambda code, msg, key: json.dumps({"success": False, key: {"code": code, "message": msg}}).encode(),
        st.integers() | st.text(max_size=5) | st.none(),
        JSON,
        st.sampled_from(["error"]),
    ),
    st.builds(
        lambda items: json.dumps({"success": False, "errors": items}).encode(),
        st.lists(st.dictionaries(st.sampled_from(["code", "message"]), JSON), max_size=3),
    ),
)
HEADERS = st.dictionaries(
    st.sampled_from(["Retry-After", "retry-after-ms", "Content-Type", "X-Other"]),
    st.text(max_size=40) | st.integers(-10, 10**6).map(str),
    max_size=3,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.integers(100, 599),
    body=BODIES,
    headers=HEADERS,
    request=st.sampled_from([OBJECT, LIST]),
)
def test_parse_response_returns_a_dict_or_raises_a_realtimekit_error(status, body, headers, request):
    try:
        result = parse_response(request, ApiResponse(status, headers, body))
    except RealtimeKitError:
        return
    assert isinstance(result, dict)
