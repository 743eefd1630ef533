"""The protocol module against arbitrary answers: data or a RealtimeKitError, never anything else, never a hang.

Hypothesis feeds ``parse_response`` (and the retry decision taken on its errors), ``retry_after_seconds``,
``Pager`` and the retry loop with JSON in every envelope shape and none, raw and cut-off bytes, nesting deep
enough to break a recursive decoder, statuses 100-599 and header values such as ``nan``, ``inf``, negative
numbers and HTTP dates far in the future. The deadline turns a hang (or a catastrophic regex) into a failure.
"""

from __future__ import annotations

import email.utils
import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_realtimekit.api.endpoints import ApiRequest, RealtimeKitApp
from airflow_provider_realtimekit.api.paging import Pager
from airflow_provider_realtimekit.api.responses import ApiResponse, parse_response, retry_after_seconds
from airflow_provider_realtimekit.api.retry import RetryPolicy, exchange
from airflow_provider_realtimekit.api.settings import ClientSettings
from airflow_provider_realtimekit.exceptions import RealtimeKitError, RealtimeKitTransportError
from tests.conftest import TOKEN

OBJECT = ApiRequest("GET", "/accounts/a/realtime/kit/b/livestreams/sessions/s1", what="livestream session 's1'")
LIST = ApiRequest("GET", "/accounts/a/realtime/kit/b/livestreams", what="livestreams", expects_object=False)
PROPERTY = settings(
    max_examples=400,
    deadline=timedelta(seconds=2),  # generous for a loaded machine; a hang still fails
    database=None,
    # `examples` counts across examples on purpose (for the summary), hence the function-scoped fixture.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def examples(request: pytest.FixtureRequest, reliability) -> list[int]:
    """A counter of the examples Hypothesis ran, reported in the summary under the test's name."""
    return reliability.property(request.node.name.removeprefix("test_").replace("_", " "))


# -- strategies -----------------------------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "success", "data", "error", "errors", "result", "messages", "paging", "code", "message", "id",
        "total_count", "start_offset", "end_offset", "livestreams", "sessions", "session", "livestream",
    ]
) | st.text(max_size=6)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["²", "٣", " 7 ", "1e400", "NaN", "-1", "null", "Bearer abc", ""])
)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=12
)
ERROR_ITEM = st.fixed_dictionaries({}, optional={"code": JSON, "message": JSON})
ENVELOPE = st.fixed_dictionaries(
    {},
    optional={
        "success": st.booleans() | JSON,
        "data": JSON,
        "result": JSON,
        "error": ERROR_ITEM | JSON,
        "errors": st.lists(ERROR_ITEM | JSON, max_size=3) | JSON,
        "paging": st.fixed_dictionaries(
            {}, optional={"total_count": SCALARS, "start_offset": SCALARS, "end_offset": SCALARS}
        )
        | JSON,
    },
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()  # NaN and Infinity: invalid JSON, yet Python reads them


def _cut(raw: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(min_value=0, max_value=len(raw)).map(lambda index: raw[:index])


BODIES = st.one_of(
    ENVELOPE.map(_dumps),
    JSON.map(_dumps),
    ENVELOPE.map(_dumps).flatmap(_cut),  # truncated
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.integers(min_value=1, max_value=5000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=1, max_value=5000).map(lambda depth: b'{"data":' * depth + b"1" + b"}" * depth),
    st.sampled_from([b"", b"<html><body>502 Bad Gateway</body></html>", b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00"]),
)
HTTP_DATES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(timezone.utc)
).map(lambda when: email.utils.format_datetime(when, usegmt=True))
HEADER_VALUES = st.one_of(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    HTTP_DATES,
    st.sampled_from(["nan", "inf", "-inf", "1e400", "-1", "0", "1.5", "Wed, 31 Dec 9999 23:59:59 GMT", "Mon, 32 Jan"]),
)
HEADERS = st.dictionaries(
    st.sampled_from(["retry-after", "Retry-After", "retry-after-ms", "Content-Type"]) | st.text(max_size=8),
    HEADER_VALUES,
    max_size=4,
)
STATUSES = st.integers(min_value=100, max_value=599)


# -- properties --------------------------------------------------------------------------------------------------


@PROPERTY
@given(status=STATUSES, headers=HEADERS, body=BODIES, request=st.sampled_from([OBJECT, LIST]))
def test_parse_response_returns_data_or_raises_a_realtimekit_error(status, headers, body, request, examples):
    examples[0] += 1
    policy = RetryPolicy(max_attempts=3, retry_after_cap=60)
    try:
        result = parse_response(request, ApiResponse(status, headers, body))
    except RealtimeKitError as error:
        assert str(error)
        assert isinstance(error.transient, bool)
        # The retry decision on any error is a finite, non-negative wait or "give up".
        delay = policy.delay_before_retry(1, error, request)
        assert delay is None or (math.isfinite(delay) and 0 <= delay <= 60)
    else:
        assert isinstance(result, dict)
        assert status < 400


@PROPERTY
@given(headers=HEADERS, status=STATUSES)
def test_retry_after_is_absent_or_a_finite_non_negative_delay(headers, status, examples):
    examples[0] += 1
    seconds = retry_after_seconds(ApiResponse(status, headers, b""))
    assert seconds is None or (isinstance(seconds, float) and math.isfinite(seconds) and seconds >= 0)


@settings(PROPERTY, max_examples=150)
@given(pages=st.lists(ENVELOPE, min_size=1, max_size=4))
def test_pager_accepts_any_page_or_raises_a_realtimekit_error(pages, examples):
    examples[0] += 1
    pager = Pager(lambda page_no: ApiRequest("GET", "/livestreams", params={"page_no": page_no}), ("livestreams",))
    for body in pages:
        try:
            if pager.next_request() is None:
                return
            items = pager.accept(body)
        except RealtimeKitError:
            return
        assert isinstance(items, list) and all(isinstance(item, dict) for item in items)


@settings(PROPERTY, max_examples=200)
@given(body=ENVELOPE)
def test_pager_ends_the_walk_when_the_server_repeats_a_page(body, examples):
    # A server that ignores page_no answers the same page forever: the walk must end, not loop.
    examples[0] += 1
    pager = Pager(lambda page_no: ApiRequest("GET", "/livestreams", params={"page_no": page_no}), ("livestreams",))
    pages = 0
    try:
        while pager.next_request() is not None:
            pager.accept(body)
            pages += 1
            assert pages <= 3
    except RealtimeKitError:
        pass


@settings(PROPERTY, max_examples=200)
@given(
    answers=st.lists(
        st.tuples(STATUSES, HEADERS, BODIES) | st.just(None), min_size=1, max_size=6
    ),  # None: no answer (a transport error)
    max_attempts=st.integers(min_value=1, max_value=5),
)
def test_retry_loop_sends_at_most_max_attempts_and_waits_finitely(answers, max_attempts, examples):
    examples[0] += 1
    policy = RetryPolicy(max_attempts=max_attempts, retry_after_cap=30)
    steps = exchange(OBJECT, policy)
    sent = 0
    feed = iter(answers * max_attempts)
    try:
        step = next(steps)
        while True:
            if isinstance(step, ApiRequest):
                sent += 1
                answer = next(feed)
                outcome = RealtimeKitTransportError("no answer") if answer is None else ApiResponse(*answer)
                step = steps.send(outcome)
            else:
                assert math.isfinite(step) and 0 <= step <= 30
                step = steps.send(None)
    except StopIteration:
        pass
    except RealtimeKitError:
        pass
    assert 1 <= sent <= max_attempts


SETTINGS = ClientSettings(conn_id="c", base_url="https://api.example.com", token=TOKEN, app=RealtimeKitApp("a", "b"))


@settings(PROPERTY, max_examples=200)
@given(status=STATUSES, body=ENVELOPE, where=st.sampled_from(["message", "error", "data", "raw"]))
def test_a_body_echoing_the_token_never_carries_it_into_an_error(status, body, where, examples, reliability):
    examples[0] += 1
    if where == "raw":
        raw = f"<html>Authorization: Bearer {TOKEN}</html>".encode()
    else:
        echoed = {**body, "error": {"code": status, "message": f"bad token {TOKEN}"}} if where != "data" else body
        raw = _dumps({**echoed, "data": {"token": TOKEN}} if where == "data" else echoed)
    answer = SETTINGS.received(status, {"content-type": "application/json"}, raw)
    try:
        parse_response(OBJECT, answer)
    except RealtimeKitError as error:
        reliability.no_token("exception: parser property (echoed token)", str(error), repr(error.args))
