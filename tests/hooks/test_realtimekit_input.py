"""Bad input is refused with a clear message before any request is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.hooks.conftest import ACCOUNT_ID, APP_ID

START = datetime(2026, 11, 1, tzinfo=timezone.utc)

BAD_IDS: list[Any] = [
    "",
    "   ",
    None,
    42,
    b"s1",
    "../x",
    "a/b",
    "%2e%2e",
    "?x=1",
    "#",
    "a\\b",
    "s1\x00",
    "s1\n",
    "s\t1",
    "x" * 129,
    "..",
    ".",
]

ID_TAKING_CALLS: dict[str, Callable[[RealtimeKitHook, Any], Any]] = {
    "get_livestream_session": lambda hook, bad: hook.get_livestream_session(bad),
    "get_livestream": lambda hook, bad: hook.get_livestream(bad),
    "get_active_livestream_session": lambda hook, bad: hook.get_active_livestream_session(bad),
    "iter_livestream_sessions": lambda hook, bad: hook.iter_livestream_sessions(bad),
}


@pytest.mark.parametrize("bad_id", BAD_IDS, ids=repr)
@pytest.mark.parametrize("call", ID_TAKING_CALLS.values(), ids=ID_TAKING_CALLS.keys())
def test_bad_id_is_refused_before_any_request(httpserver, conn_id, call, bad_id):
    hook = RealtimeKitHook(conn_id)

    with pytest.raises(RealtimeKitConfigError):
        call(hook, bad_id)

    assert httpserver.log == []


def test_bad_id_message_names_the_parameter(httpserver, conn_id):
    with pytest.raises(RealtimeKitConfigError, match="session_id"):
        RealtimeKitHook(conn_id).get_livestream_session("a/b")


def test_empty_id_message_hints_at_templates(httpserver, conn_id):
    with pytest.raises(RealtimeKitConfigError, match="template"):
        RealtimeKitHook(conn_id).get_livestream_session("")


def test_id_of_128_characters_is_accepted(httpserver, conn_id):
    long_id = "a" * 128
    httpserver.expect_request(
        f"/client/v4/accounts/{ACCOUNT_ID}/realtime/kit/{APP_ID}/livestreams/sessions/{long_id}"
    ).respond_with_json({"success": True, "data": {"id": long_id}})

    assert RealtimeKitHook(conn_id).get_livestream_session(long_id) == {"id": long_id}


def test_iter_livestreams_refuses_an_unknown_status_when_called(httpserver, conn_id):
    with pytest.raises(RealtimeKitConfigError, match="BROKEN"):
        RealtimeKitHook(conn_id).iter_livestreams(status="BROKEN")

    assert httpserver.log == []


@pytest.mark.parametrize("field", ["start_time", "end_time"])
def test_iter_livestreams_refuses_a_naive_datetime(httpserver, conn_id, field):
    with pytest.raises(RealtimeKitConfigError, match="timezone-aware"):
        RealtimeKitHook(conn_id).iter_livestreams(**{field: datetime(2026, 11, 1)})

    assert httpserver.log == []


ANALYTICS = ["get_livestream_analytics", "get_livestream_analytics_daywise"]


@pytest.mark.parametrize("method", ANALYTICS)
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 11, 1), datetime(2026, 11, 2, tzinfo=timezone.utc)),
        (datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2)),
    ],
    ids=["naive-start", "naive-end"],
)
def test_analytics_refuses_naive_datetimes(httpserver, conn_id, method, start, end):
    with pytest.raises(RealtimeKitConfigError, match="timezone-aware"):
        getattr(RealtimeKitHook(conn_id), method)(start, end)

    assert httpserver.log == []


@pytest.mark.parametrize("method", ANALYTICS)
@pytest.mark.parametrize("end", [START, START - timedelta(seconds=1)], ids=["equal", "before"])
def test_analytics_refuses_an_end_not_after_the_start(httpserver, conn_id, method, end):
    with pytest.raises(RealtimeKitConfigError, match="must be after its start"):
        getattr(RealtimeKitHook(conn_id), method)(START, end)

    assert httpserver.log == []


@pytest.mark.parametrize("method", ANALYTICS)
def test_analytics_refuses_dates_that_are_not_datetimes(httpserver, conn_id, method):
    with pytest.raises(RealtimeKitConfigError, match="must be a datetime"):
        getattr(RealtimeKitHook(conn_id), method)("2026-11-01", "2026-11-02")

    assert httpserver.log == []
