"""Response shapes of every endpoint with the default variants, over real HTTP."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.testing.emulator_client import EmulatorClient

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SESSION_FIELDS = {
    "id",
    "livestream_id",
    "created_at",
    "updated_at",
    "started_time",
    "stopped_time",
    "err_message",
    "ingest_seconds",
    "viewer_seconds",
    "invoked_time",
}
LIVESTREAM_FIELDS = {
    "id",
    "name",
    "status",
    "meeting_id",
    "ingest_server",
    "stream_key",
    "playback_url",
    "disabled",
    "created_at",
    "updated_at",
}


def test_session_endpoint_returns_success_and_every_session_field(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream("studio-a")
    session = emu.add_session(livestream["id"], started="2023-07-15T07:08:39Z", ingest_seconds=60, viewer_seconds=116.5)

    body = client.app_get(f"/livestreams/sessions/{session['id']}").json()

    assert body["success"] is True
    data = body["data"]
    assert set(data) == SESSION_FIELDS
    assert data["id"] == session["id"]
    assert data["livestream_id"] == livestream["id"]
    assert data["started_time"] == "2023-07-15T07:08:39.000Z"
    assert data["stopped_time"] is None
    assert data["err_message"] is None
    assert data["invoked_time"] is None
    assert (data["ingest_seconds"], data["viewer_seconds"]) == (60, 116.5)
    assert ISO_MS.match(data["created_at"]) and ISO_MS.match(data["updated_at"])


def test_session_route_is_not_read_as_a_livestream_id(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"])

    response = client.app_get(f"/livestreams/sessions/{session['id']}")

    assert response.status_code == 200
    assert "livestream" not in response.json()["data"]


def test_finished_session_shows_stopped_time_and_err_message(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream()
    session = emu.add_session(
        livestream["id"], started="2023-07-15T07:00:00Z", stopped="2023-07-15T08:00:00.250Z", err_message="boom"
    )

    data = client.session_data(session["id"])

    assert data["stopped_time"] == "2023-07-15T08:00:00.250Z"
    assert data["updated_at"] == data["stopped_time"]
    assert data["err_message"] == "boom"


def test_livestream_endpoint_returns_livestream_and_sessions_newest_first(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    livestream = emu.add_livestream("studio-a")
    older = emu.add_session(livestream["id"], started="2023-07-15T07:00:00Z", stopped="2023-07-15T08:00:00Z")
    newer = emu.add_session(livestream["id"], started="2023-07-16T07:00:00Z", stopped="2023-07-16T08:00:00Z")

    body = client.app_get(f"/livestreams/{livestream['id']}").json()

    assert body["success"] is True
    assert set(body["data"]["livestream"]) == LIVESTREAM_FIELDS
    assert body["data"]["livestream"]["name"] == "studio-a"
    assert [s["id"] for s in body["data"]["sessions"]] == [newer["id"], older["id"]]
    assert body["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 2}


def test_active_session_endpoint_returns_the_live_session_with_string_counts(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    livestream = emu.add_livestream()
    emu.add_session(livestream["id"], started="2023-07-15T07:00:00Z", stopped="2023-07-15T08:00:00Z")
    live = emu.add_session(livestream["id"], ingest_seconds=60, viewer_seconds=116.5)

    body = client.app_get(f"/livestreams/{livestream['id']}/active-livestream-session").json()

    assert body["data"]["livestream"]["status"] == "LIVE"
    assert body["data"]["session"]["id"] == live["id"]
    assert body["data"]["session"]["stopped_time"] is None
    assert (body["data"]["session"]["ingest_seconds"], body["data"]["session"]["viewer_seconds"]) == ("60", "116.5")


def test_active_session_endpoint_answers_404_when_nothing_is_live(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream()

    response = client.app_get(f"/livestreams/{livestream['id']}/active-livestream-session")

    assert response.status_code == 404
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == 404


def test_livestreams_list_returns_an_array_and_top_level_paging(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.add_livestream("a")
    emu.add_livestream("b")

    body = client.app_get("/livestreams").json()

    assert body["success"] is True
    assert isinstance(body["data"], list)
    assert {item["name"] for item in body["data"]} == {"a", "b"}
    assert body["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 2}


def test_livestreams_list_filters_by_status(emu: RealtimeKitEmulator, client: EmulatorClient):
    live = emu.add_livestream("live")
    emu.add_session(live["id"])
    emu.add_livestream("idle")
    emu.add_livestream("broken", status="ERRORED")

    names = {
        status: [i["name"] for i in client.app_get("/livestreams", status=status).json()["data"]]
        for status in ("LIVE", "IDLE", "ERRORED")
    }

    assert names == {"LIVE": ["live"], "IDLE": ["idle"], "ERRORED": ["broken"]}


def test_livestreams_list_sorts_on_created_at_asc_and_dsc(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.add_livestream("first", created="2023-01-01T00:00:00Z")
    emu.add_livestream("second", created="2023-02-01T00:00:00Z")

    ascending = [i["name"] for i in client.app_get("/livestreams", sort_order="ASC").json()["data"]]
    descending = [i["name"] for i in client.app_get("/livestreams", sort_order="DSC").json()["data"]]

    assert ascending == ["first", "second"]
    assert descending == ["second", "first"]


def test_livestreams_list_filters_created_at_within_start_and_end_time(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    for month in (1, 2, 3):
        emu.add_livestream(f"m{month}", created=f"2023-0{month}-01T00:00:00Z")

    body = client.app_get("/livestreams", start_time="2023-02-01T00:00:00Z", end_time="2023-03-01T00:00:00.000Z").json()

    assert [i["name"] for i in body["data"]] == ["m2"]


def test_livestreams_list_excludes_meeting_livestreams_on_request(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.add_livestream("independent")
    emu.add_livestream("meeting", meeting_id="m-1")

    names = [i["name"] for i in client.app_get("/livestreams", exclude_meetings="true").json()["data"]]

    assert names == ["independent"]


def test_analytics_overall_totals_sessions_started_in_the_half_open_window(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    livestream = emu.add_livestream()
    for day, viewers in ((14, 1.5), (15, 10.25), (16, 100.0)):
        emu.add_session(
            livestream["id"],
            started=f"2023-07-{day}T00:00:00Z",
            stopped=f"2023-07-{day}T01:00:00Z",
            ingest_seconds=3600,
            viewer_seconds=viewers,
        )
    start = int(datetime(2023, 7, 15, tzinfo=timezone.utc).timestamp())

    by_unix = client.app_get("/analytics/livestreams/overall", start_time=start, end_time=start + 86400).json()
    by_iso = client.app_get(
        "/analytics/livestreams/overall", start_time="2023-07-14T00:00:00Z", end_time="2023-07-16T00:00:00Z"
    ).json()

    assert by_unix == {
        "success": True,
        "data": {"count": 1, "total_ingest_seconds": 3600, "total_viewer_seconds": 10.25},
    }
    assert by_iso["data"] == {"count": 2, "total_ingest_seconds": 7200, "total_viewer_seconds": 11.75}


def test_analytics_daywise_groups_sessions_by_utc_day(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream()
    for started in ("2023-07-15T07:00:00Z", "2023-07-15T23:59:00Z", "2023-07-16T00:00:00Z"):
        emu.add_session(livestream["id"], started=started, stops_after=60, ingest_seconds=60, viewer_seconds=30)

    body = client.app_get("/analytics/livestreams/daywise", start_time="2023-07-01T00:00:00Z").json()

    assert body["data"] == [
        {"date": "2023-07-15T00:00:00.000Z", "count": 2, "total_ingest_seconds": 120, "total_viewer_seconds": 60},
        {"date": "2023-07-16T00:00:00.000Z", "count": 1, "total_ingest_seconds": 60, "total_viewer_seconds": 30},
    ]


def test_apps_list_returns_the_app_with_paging(emu: RealtimeKitEmulator, client: EmulatorClient):
    body = client.get(f"/accounts/{emu.account_id}/realtime/kit/apps", per_page=1).json()

    assert body["data"] == [{"id": emu.app_id, "created_at": body["data"][0]["created_at"], "name": "demo-app"}]
    assert body["paging"] == {"total_count": 1, "start_offset": 1, "end_offset": 1}


def test_account_token_verify_answers_the_cloudflare_envelope(emu: RealtimeKitEmulator, client: EmulatorClient):
    body = client.get(f"/accounts/{emu.account_id}/tokens/verify").json()

    assert body["success"] is True
    assert body["errors"] == []
    assert body["messages"] == [{"code": 10000, "message": "This API Token is valid and active"}]
    assert body["result"]["status"] == "active"
    assert re.fullmatch(r"[0-9a-f]{32}", body["result"]["id"])


def test_user_token_verify_rejects_an_account_owned_token(client: EmulatorClient):
    response = client.get("/user/tokens/verify")

    assert response.status_code == 401
    assert response.json()["errors"] == [{"code": 1000, "message": "Invalid API Token"}]


def test_account_token_verify_rejects_a_user_owned_token(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.tokens.owner = "user"

    account = client.get(f"/accounts/{emu.account_id}/tokens/verify")
    user = client.get("/user/tokens/verify")

    assert (account.status_code, user.status_code) == (401, 200)


def test_token_owned_by_both_verifies_at_both_endpoints(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.tokens.owner = "both"

    statuses = {
        client.get(path).status_code for path in ("/user/tokens/verify", f"/accounts/{emu.account_id}/tokens/verify")
    }

    assert statuses == {200}


def test_disabled_token_verifies_with_its_status_but_is_refused_by_realtimekit_routes(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    emu.tokens.status = "disabled"

    verify = client.get(f"/accounts/{emu.account_id}/tokens/verify")
    livestreams = client.app_get("/livestreams")

    assert verify.json()["result"]["status"] == "disabled"
    assert livestreams.status_code == 401


def test_unknown_path_answers_cloudflare_no_route(client: EmulatorClient):
    response = client.get("/accounts/x/realtime/kit/y/nothing-here")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 7000


def test_non_get_method_answers_405(emu: RealtimeKitEmulator, client: EmulatorClient):
    response = client.session.post(emu.app_url + "/livestreams/sessions/x", timeout=5)

    assert response.status_code == 405
