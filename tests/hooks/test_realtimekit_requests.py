"""What RealtimeKitHook puts on the wire: method, path, headers and query of every call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request

from airflow_provider_realtimekit.exceptions import RealtimeKitAPIError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.conftest import TOKEN
from tests.hooks.conftest import ACCOUNT_PATH, APP_PATH, json_body

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
END = datetime(2026, 11, 2, 12, 30, tzinfo=timezone.utc)
SESSION = {"id": "s1", "livestream_id": "ls1", "stopped_time": None, "ingest_seconds": 60}


def only_request(httpserver: HTTPServer) -> Request:
    assert len(httpserver.log) == 1, [str(request) for request, _ in httpserver.log]
    return httpserver.log[0][0]


def query(request: Request) -> dict[str, str]:
    return dict(request.args.items())


CALLS: list[tuple[str, Callable[[RealtimeKitHook], Any], str, dict[str, Any]]] = [
    (
        "get_livestream_session",
        lambda hook: hook.get_livestream_session("s1"),
        f"{APP_PATH}/livestreams/sessions/s1",
        json_body(SESSION),
    ),
    (
        "get_livestream",
        lambda hook: hook.get_livestream("ls1"),
        f"{APP_PATH}/livestreams/ls1",
        json_body({"livestream": {"id": "ls1"}, "sessions": []}),
    ),
    (
        "get_active_livestream_session",
        lambda hook: hook.get_active_livestream_session("ls1"),
        f"{APP_PATH}/livestreams/ls1/active-livestream-session",
        json_body({"livestream": {"id": "ls1"}, "session": SESSION}),
    ),
    (
        "iter_livestream_sessions",
        lambda hook: list(hook.iter_livestream_sessions("ls1")),
        f"{APP_PATH}/livestreams/ls1",
        json_body({"sessions": [SESSION]}, paging={"total_count": 1, "start_offset": 1, "end_offset": 1}),
    ),
    (
        "iter_livestreams",
        lambda hook: list(hook.iter_livestreams()),
        f"{APP_PATH}/livestreams",
        json_body([{"id": "ls1"}], paging={"total_count": 1, "start_offset": 1, "end_offset": 1}),
    ),
    (
        "get_livestream_analytics",
        lambda hook: hook.get_livestream_analytics(START, END),
        f"{APP_PATH}/analytics/livestreams/overall",
        json_body({"count": 1, "total_ingest_seconds": 60, "total_viewer_seconds": 120}),
    ),
    (
        "get_livestream_analytics_daywise",
        lambda hook: hook.get_livestream_analytics_daywise(START, END),
        f"{APP_PATH}/analytics/livestreams/daywise",
        json_body([{"date": "2026-11-01T00:00:00.000Z", "count": 1}]),
    ),
]


@pytest.mark.parametrize(("call", "path", "body"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_every_call_is_a_get_to_its_documented_path(httpserver, conn_id, call, path, body):
    httpserver.expect_request(path, method="GET").respond_with_json(body)

    call(RealtimeKitHook(conn_id))

    assert only_request(httpserver).path == path


@pytest.mark.parametrize(("call", "path", "body"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_every_call_sends_the_bearer_token_and_the_provider_user_agent(httpserver, conn_id, call, path, body):
    httpserver.expect_request(path).respond_with_json(body)

    call(RealtimeKitHook(conn_id))

    headers = only_request(httpserver).headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["User-Agent"].startswith("airflow-provider-realtimekit/")


def test_get_livestream_session_sends_no_query_and_returns_the_session(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/livestreams/sessions/s1").respond_with_json(json_body(SESSION))

    session = RealtimeKitHook(conn_id).get_livestream_session("s1")

    assert session == SESSION
    assert query(only_request(httpserver)) == {}


def test_get_livestream_asks_for_the_first_page_and_returns_data(httpserver, conn_id):
    data = {"livestream": {"id": "ls1", "status": "LIVE"}, "sessions": [SESSION]}
    httpserver.expect_request(f"{APP_PATH}/livestreams/ls1").respond_with_json(json_body(data))

    livestream = RealtimeKitHook(conn_id).get_livestream("ls1")

    assert livestream == data
    assert query(only_request(httpserver)) == {"page_no": "1", "per_page": "100"}


def test_get_active_livestream_session_returns_livestream_and_session(httpserver, conn_id):
    data = {"livestream": {"id": "ls1"}, "session": SESSION}
    httpserver.expect_request(f"{APP_PATH}/livestreams/ls1/active-livestream-session").respond_with_json(
        json_body(data)
    )

    active = RealtimeKitHook(conn_id).get_active_livestream_session("ls1")

    assert active == data
    assert query(only_request(httpserver)) == {}


def test_iter_livestream_sessions_pages_with_page_no_and_per_page(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/livestreams/ls1").respond_with_json(
        json_body({"sessions": [SESSION]}, paging={"total_count": 1, "start_offset": 1, "end_offset": 1})
    )

    sessions = list(RealtimeKitHook(conn_id).iter_livestream_sessions("ls1"))

    assert sessions == [SESSION]
    assert query(only_request(httpserver)) == {"page_no": "1", "per_page": "100"}


def test_iter_livestreams_without_filters_sends_only_paging(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/livestreams").respond_with_json(
        json_body([{"id": "ls1"}], paging={"total_count": 1, "start_offset": 1, "end_offset": 1})
    )

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert livestreams == [{"id": "ls1"}]
    assert query(only_request(httpserver)) == {"page_no": "1", "per_page": "100"}


def test_iter_livestreams_sends_filters_with_times_as_iso_utc_milliseconds(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/livestreams").respond_with_json(json_body([]))
    plus_two = timezone(timedelta(hours=2))

    list(
        RealtimeKitHook(conn_id).iter_livestreams(
            status="LIVE",
            start_time=datetime(2026, 11, 1, 2, 0, 0, 123456, tzinfo=plus_two),
            end_time=END,
            exclude_meetings=True,
        )
    )

    assert query(only_request(httpserver)) == {
        "page_no": "1",
        "per_page": "100",
        "status": "LIVE",
        "start_time": "2026-11-01T00:00:00.123Z",
        "end_time": "2026-11-02T12:30:00.000Z",
        "exclude_meetings": "true",
    }


def test_iter_livestreams_sends_exclude_meetings_false_when_asked(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/livestreams").respond_with_json(json_body([]))

    list(RealtimeKitHook(conn_id).iter_livestreams(exclude_meetings=False))

    assert query(only_request(httpserver))["exclude_meetings"] == "false"


@pytest.mark.parametrize(
    ("method", "kind"),
    [("get_livestream_analytics", "overall"), ("get_livestream_analytics_daywise", "daywise")],
)
def test_analytics_sends_the_window_as_unix_seconds(httpserver, conn_id, method, kind):
    httpserver.expect_request(f"{APP_PATH}/analytics/livestreams/{kind}").respond_with_json(json_body({"count": 0}))

    getattr(RealtimeKitHook(conn_id), method)(START, END)

    assert query(only_request(httpserver)) == {
        "start_time": str(int(START.timestamp())),
        "end_time": str(int(END.timestamp())),
    }


def test_get_livestream_analytics_returns_the_totals(httpserver, conn_id):
    totals = {"count": 2, "total_ingest_seconds": 120, "total_viewer_seconds": 300}
    httpserver.expect_request(f"{APP_PATH}/analytics/livestreams/overall").respond_with_json(json_body(totals))

    assert RealtimeKitHook(conn_id).get_livestream_analytics(START, END) == totals


def test_get_livestream_analytics_daywise_returns_the_list_of_days(httpserver, conn_id):
    days = [{"date": "2026-11-01T00:00:00.000Z", "count": 1, "total_ingest_seconds": 60, "total_viewer_seconds": 9}]
    httpserver.expect_request(f"{APP_PATH}/analytics/livestreams/daywise").respond_with_json(json_body(days))

    assert RealtimeKitHook(conn_id).get_livestream_analytics_daywise(START, END) == days


@pytest.mark.parametrize(
    ("method", "kind"),
    [("get_livestream_analytics", "overall"), ("get_livestream_analytics_daywise", "daywise")],
)
def test_analytics_retries_once_with_iso_strings_after_a_400(httpserver, conn_id, method, kind):
    path = f"{APP_PATH}/analytics/livestreams/{kind}"
    unix = {"start_time": str(int(START.timestamp())), "end_time": str(int(END.timestamp()))}
    iso = {"start_time": "2026-11-01T00:00:00.000Z", "end_time": "2026-11-02T12:30:00.000Z"}
    httpserver.expect_request(path, query_string=unix).respond_with_json(
        {"success": False, "error": {"code": 400, "message": "start_time must be a date-time"}}, status=400
    )
    httpserver.expect_request(path, query_string=iso).respond_with_json(json_body({"count": 3}))

    result = getattr(RealtimeKitHook(conn_id), method)(START, END)

    assert result == {"count": 3}
    assert [query(request) for request, _ in httpserver.log] == [unix, iso]


def test_analytics_does_not_fall_back_to_iso_on_other_client_errors(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/analytics/livestreams/overall").respond_with_json(
        {"success": False, "error": {"code": 422, "message": "window too long"}}, status=422
    )

    with pytest.raises(RealtimeKitAPIError) as raised:
        RealtimeKitHook(conn_id).get_livestream_analytics(START, END)

    assert raised.value.status == 422
    assert len(httpserver.log) == 1


def test_analytics_gives_up_when_iso_strings_are_refused_too(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/analytics/livestreams/overall").respond_with_json(
        {"success": False, "error": {"code": 400, "message": "bad window"}}, status=400
    )

    with pytest.raises(RealtimeKitAPIError) as raised:
        RealtimeKitHook(conn_id).get_livestream_analytics(START, END)

    assert raised.value.status == 400
    assert len(httpserver.log) == 2


def test_test_connection_verifies_the_account_token_then_lists_one_livestream(httpserver, conn_id):
    httpserver.expect_request(f"{ACCOUNT_PATH}/tokens/verify").respond_with_json(
        {"success": True, "errors": [], "messages": [], "result": {"id": "t" * 32, "status": "active"}}
    )
    httpserver.expect_request(f"{APP_PATH}/livestreams").respond_with_json(json_body([]))

    RealtimeKitHook(conn_id).test_connection()

    sent = [(request.method, request.path, query(request)) for request, _ in httpserver.log]
    assert sent == [
        ("GET", f"{ACCOUNT_PATH}/tokens/verify", {}),
        ("GET", f"{APP_PATH}/livestreams", {"page_no": "1", "per_page": "1"}),
    ]
    assert all(request.headers["Authorization"] == f"Bearer {TOKEN}" for request, _ in httpserver.log)


def test_requests_sent_counts_every_request_the_hook_made(httpserver, conn_id):
    httpserver.expect_request(f"{APP_PATH}/livestreams/sessions/s1").respond_with_json(json_body(SESSION))
    hook = RealtimeKitHook(conn_id)

    hook.get_livestream_session("s1")
    hook.get_livestream_session("s1")

    assert hook.requests_sent == 2
    assert len(httpserver.log) == 2
