"""Parameters the API would refuse are refused before any request (issue #12.1), against the emulator."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError, RealtimeKitRequestRejectedError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.hooks.conftest import APP_PATH


def test_offline_status_is_refused_before_any_request_listing_the_allowed_values(emulator, realtimekit_conn):
    with pytest.raises(RealtimeKitConfigError) as raised:
        RealtimeKitHook(realtimekit_conn).iter_livestreams(status="OFFLINE")

    assert "LIVE, IDLE, ERRORED, INVOKED" in str(raised.value)
    assert emulator.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"exclude_meetings": "false"},
        {
            "start_time": datetime(2026, 11, 2, tzinfo=timezone.utc),
            "end_time": datetime(2026, 11, 1, tzinfo=timezone.utc),
        },
        {"start_time": datetime(2026, 11, 2)},
    ],
    ids=["exclude-meetings-string", "end-before-start", "naive-start"],
)
def test_other_livestream_filters_are_refused_before_any_request(emulator, realtimekit_conn, kwargs):
    with pytest.raises(RealtimeKitConfigError):
        RealtimeKitHook(realtimekit_conn).iter_livestreams(**kwargs)

    assert emulator.requests == []


@pytest.mark.parametrize("status", ["LIVE", "IDLE", "ERRORED", "INVOKED"])
def test_every_allowed_status_is_accepted_by_the_emulator(emulator, realtimekit_conn, status):
    assert list(RealtimeKitHook(realtimekit_conn).iter_livestreams(status=status)) == []


def test_a_422_the_api_still_answers_is_a_rejected_request_not_retried(httpserver, conn_id, sleeps):
    # What the real API does with a value the provider did not know to refuse.
    httpserver.expect_request(f"{APP_PATH}/livestreams").respond_with_json(
        {"success": False, "error": {"code": 422, "message": "status must be one of LIVE, IDLE"}}, status=422
    )

    with pytest.raises(RealtimeKitRequestRejectedError, match="status must be one of LIVE, IDLE"):
        list(RealtimeKitHook(conn_id).iter_livestreams(status="LIVE"))

    assert len(httpserver.log) == 1


async def test_async_hook_used_outside_async_with_is_a_config_error(emulator, realtimekit_conn):
    from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook

    with pytest.raises(RealtimeKitConfigError, match="async with"):
        await RealtimeKitAsyncHook(realtimekit_conn).get_livestream_session("s1")

    assert emulator.requests == []
