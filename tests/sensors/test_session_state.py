"""How a session payload is classified, and what counts as a stop or an error (issue #12.3)."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError
from airflow_provider_realtimekit.waits.session_state import SessionState, session_state

STOPPED = "2026-11-20T07:08:40.742Z"


@pytest.mark.parametrize("stopped_time", [None, "", " ", "null"])
def test_unset_stopped_time_means_live(stopped_time):
    assert session_state({"id": "s1", "stopped_time": stopped_time}) is SessionState.LIVE


def test_missing_stopped_time_means_live():
    assert session_state({"id": "s1"}) is SessionState.LIVE


def test_a_timestamp_means_stopped():
    assert session_state({"id": "s1", "stopped_time": STOPPED, "err_message": None}) is SessionState.STOPPED


@pytest.mark.parametrize("stopped_time", ["stopped_time", "not-a-date", "2026-11-20", 1700000000])
def test_a_stopped_time_that_is_not_a_timestamp_raises_naming_it(stopped_time):
    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        session_state({"id": "s1", "stopped_time": stopped_time})

    assert f"stopped_time={stopped_time!r}" in str(raised.value)
    assert "'s1'" in str(raised.value)


@pytest.mark.parametrize("err_message", ["encoder disconnected", " x "])
def test_err_message_with_text_is_an_error_even_without_a_stop(err_message):
    assert session_state({"id": "s1", "stopped_time": None, "err_message": err_message}) is SessionState.ERRORED


@pytest.mark.parametrize("err_message", [None, "", "   ", "null", "None"])
def test_err_message_without_text_is_no_error(err_message):
    assert session_state({"id": "s1", "stopped_time": STOPPED, "err_message": err_message}) is SessionState.STOPPED


@pytest.mark.parametrize("err_message", [0, False, {"code": 1}, ["x"]])
def test_err_message_that_is_not_a_string_raises(err_message):
    with pytest.raises(RealtimeKitInvalidResponseError, match="err_message"):
        session_state({"id": "s1", "stopped_time": STOPPED, "err_message": err_message})


def test_the_session_ended_watch_skips_a_listed_session_with_an_unreadable_stopped_time():
    # One bad row in a livestream's listing must not stall the watch of every other session.
    from airflow_provider_realtimekit.session_watch.discovery import _ended

    assert _ended({"id": "s1", "stopped_time": "not-a-date"}, "ls1") is None
    assert _ended({"id": "s2", "stopped_time": STOPPED}, "ls1") is not None
