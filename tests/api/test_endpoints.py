"""RealtimeKitApp builds every request; nothing here touches the network."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_realtimekit.api.endpoints import (
    DEFAULT_PER_PAGE,
    LIVESTREAM_STATUSES,
    ApiRequest,
    RealtimeKitApp,
    user_token_verify,
)
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError

APP = RealtimeKitApp("acct", "app")
PREFIX = "/accounts/acct/realtime/kit/app"
START = datetime(2026, 11, 1, tzinfo=timezone.utc)
END = datetime(2026, 11, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        (APP.livestream_session("s1"), f"{PREFIX}/livestreams/sessions/s1"),
        (APP.livestream("ls1"), f"{PREFIX}/livestreams/ls1"),
        (APP.active_livestream_session("ls1"), f"{PREFIX}/livestreams/ls1/active-livestream-session"),
        (APP.livestreams(), f"{PREFIX}/livestreams"),
        (APP.livestream_analytics(START, END), f"{PREFIX}/analytics/livestreams/overall"),
        (APP.livestream_analytics_daywise(START, END), f"{PREFIX}/analytics/livestreams/daywise"),
        (APP.apps(), "/accounts/acct/realtime/kit/apps"),
        (APP.account_token_verify(), "/accounts/acct/tokens/verify"),
        (user_token_verify(), "/user/tokens/verify"),
    ],
)
def test_every_request_is_an_idempotent_get_to_its_path(request_, path):
    assert (request_.method, request_.path, request_.idempotent) == ("GET", path, True)


def test_url_joins_base_and_path_with_one_slash():
    request = ApiRequest("GET", "/user/tokens/verify")

    assert request.url("http://127.0.0.1:1/client/v4/") == "http://127.0.0.1:1/client/v4/user/tokens/verify"


def test_lists_and_analytics_do_not_treat_empty_data_as_not_found():
    assert not APP.livestreams().expects_object
    assert not APP.livestream_analytics(START, END).expects_object
    assert APP.livestream_session("s1").expects_object


def test_livestreams_paging_defaults():
    assert dict(APP.livestreams().params) == {"page_no": 1, "per_page": DEFAULT_PER_PAGE}


@pytest.mark.parametrize("status", sorted(LIVESTREAM_STATUSES))
def test_every_known_status_is_accepted(status):
    assert APP.livestreams(status=status).params["status"] == status


@pytest.mark.parametrize("status", ["live", "ENDED", "", "LIVE ", "OFFLINE", 1])
def test_unknown_status_is_refused_listing_the_allowed_values(status):
    with pytest.raises(RealtimeKitConfigError, match="use one of LIVE, IDLE, ERRORED, INVOKED"):
        APP.livestreams(status=status)


@pytest.mark.parametrize("value", ["false", "true", 0, 1])
def test_exclude_meetings_must_be_a_bool(value):
    with pytest.raises(RealtimeKitConfigError, match="exclude_meetings must be True, False or None"):
        APP.livestreams(exclude_meetings=value)


def test_livestream_time_filter_end_must_follow_start():
    with pytest.raises(RealtimeKitConfigError, match=r"end_time .* must be after start_time"):
        APP.livestreams(start_time=END, end_time=START)


@pytest.mark.parametrize(("name", "value"), [("page_no", -1), ("page_no", "1"), ("per_page", 0), ("per_page", True)])
def test_page_parameters_must_be_integers_in_range(name, value):
    with pytest.raises(RealtimeKitConfigError, match=name):
        APP.livestreams(**{name: value})
    with pytest.raises(RealtimeKitConfigError, match=name):
        APP.livestream("ls1", **{name: value})


def test_livestream_times_are_utc_iso_with_milliseconds():
    local = timezone(timedelta(hours=-5))

    params = APP.livestreams(start_time=datetime(2026, 11, 1, 19, 0, 0, 999999, tzinfo=local)).params

    assert params["start_time"] == "2026-11-02T00:00:00.999Z"


def test_analytics_window_is_unix_seconds_by_default_and_iso_on_request():
    assert dict(APP.livestream_analytics(START, END).params) == {
        "start_time": int(START.timestamp()),
        "end_time": int(END.timestamp()),
    }
    assert dict(APP.livestream_analytics(START, END, "iso").params) == {
        "start_time": "2026-11-01T00:00:00.000Z",
        "end_time": "2026-11-02T00:00:00.000Z",
    }


@pytest.mark.parametrize("field", ["account_id", "app_id"])
def test_app_refuses_bad_ids(field):
    kwargs = {"account_id": "acct", "app_id": "app", field: "../other"}

    with pytest.raises(RealtimeKitConfigError, match=field):
        RealtimeKitApp(**kwargs)


def test_ids_in_paths_are_percent_encoded():
    assert APP.livestream_session("é").path.endswith("/livestreams/sessions/%C3%A9")
