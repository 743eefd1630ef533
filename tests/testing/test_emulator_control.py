"""The control API under /_emulator: add livestreams and sessions, end sessions, fleets, the request log."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.testing.emulator_client import EmulatorClient


def control(emu: RealtimeKitEmulator, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
    """Call the control API without any token, as a script in another language would."""
    url = f"http://{emu.host}:{emu.port}/_emulator{path}"
    return requests.request(method, url, json=body, params=params, timeout=5)


def test_add_livestream_and_session_then_read_them_through_the_api(emu: RealtimeKitEmulator, client: EmulatorClient):
    created = control(emu, "POST", "/livestreams", {"name": "from-curl"})
    livestream = created.json()["livestream"]
    added = control(emu, "POST", f"/livestreams/{livestream['id']}/sessions", {"stops_after": 30})
    session = added.json()["session"]

    assert (created.status_code, added.status_code) == (201, 201)
    assert livestream["name"] == "from-curl"
    assert client.session_data(session["id"])["livestream_id"] == livestream["id"]
    assert client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]["status"] == "LIVE"


def test_session_stopping_after_polls(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = emu.add_livestream()["id"]

    session = control(emu, "POST", f"/livestreams/{livestream_id}/sessions", {"stops_after_polls": 1}).json()

    assert client.session_data(session["session"]["id"])["stopped_time"] is None
    assert client.session_data(session["session"]["id"])["stopped_time"] is not None


def test_end_a_session(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"])

    ended = control(emu, "POST", f"/sessions/{session['id']}/end")
    again = control(emu, "POST", f"/sessions/{session['id']}/end")

    assert ended.status_code == 200
    assert ended.json()["session"]["stopped_time"] == client.session_data(session["id"])["stopped_time"]
    assert again.status_code == 409
    assert "already stopped" in again.json()["error"]


def test_end_a_session_at_an_instant(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], started="2026-01-01T10:00:00Z")

    control(emu, "POST", f"/sessions/{session['id']}/end", {"at": "2026-01-01T10:05:00Z"})

    assert client.session_data(session["id"])["stopped_time"] == "2026-01-01T10:05:00.000Z"


def test_fleet_and_advance(emu: RealtimeKitEmulator, client: EmulatorClient):
    fleet = control(emu, "POST", "/fleet", {"n": 4, "stop_spread": 60, "seed": 1}).json()["sessions"]
    live_before = len(client.app_get("/livestreams", status="LIVE").json()["data"])

    control(emu, "POST", "/advance", {"seconds": 60})

    assert len(fleet) == live_before == 4
    assert client.app_get("/livestreams", status="LIVE").json()["data"] == []


def test_fleet_with_null_spread_stays_live(emu: RealtimeKitEmulator, client: EmulatorClient):
    (session,) = control(emu, "POST", "/fleet", {"n": 1, "stop_spread": None}).json()["sessions"]

    control(emu, "POST", "/advance", {"seconds": 86400})

    assert client.session_data(session["id"])["stopped_time"] is None


def test_request_log_and_counts_leave_out_control_requests(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.app_get("/livestreams", per_page=5)
    client.app_get("/livestreams/sessions/nope")
    control(emu, "POST", "/livestreams", {})

    log = control(emu, "GET", "/requests").json()
    counts = control(emu, "GET", "/requests/counts").json()
    only_l5 = control(emu, "GET", "/requests", route="livestream_session").json()["requests"]

    assert [r["route"] for r in log["requests"]] == ["livestreams", "livestream_session"]
    assert log["requests"][0]["query"] == {"per_page": "5"}
    assert set(log["requests"][0]) == {"method", "path", "query", "auth_ok", "status", "time", "route"}
    assert counts == {
        "total": 2,
        "by_route": {"livestream_session": 1, "livestreams": 1},
        "by_status": {"200": 1, "404": 1},
    }
    assert [r["status"] for r in only_l5] == [404]


def test_clear_the_request_log(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.app_get("/livestreams")

    cleared = control(emu, "DELETE", "/requests").json()

    assert cleared == {"cleared": 1}
    assert emu.requests == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        ("POST", "/livestreams", {"colour": "red"}, 400, "unknown field(s) colour"),
        ("POST", "/livestreams", {"name": 5}, 400, "name has the wrong type"),
        ("POST", "/livestreams/nope/sessions", {}, 404, "no livestream 'nope'"),
        ("POST", "/sessions/nope/end", {}, 404, "no livestream session 'nope'"),
        ("POST", "/fleet", {}, 400, '"n"'),
        ("POST", "/fleet", {"n": -1}, 400, "n >= 0"),
        ("POST", "/advance", {"seconds": -5}, 400, "only moves forward"),
        ("GET", "/livestreams", None, 405, "use POST"),
        ("GET", "/nothing-here", None, 404, "no control route"),
    ],
)
def test_refusals_say_what_is_wrong(
    emu: RealtimeKitEmulator, method: str, path: str, body: Any, status: int, words: str
):
    response = control(emu, method, path, body)

    assert response.status_code == status
    assert words in response.json()["error"]


def test_a_body_that_is_not_json_is_refused(emu: RealtimeKitEmulator):
    url = f"http://{emu.host}:{emu.port}/_emulator/livestreams"

    response = requests.post(url, data="name=x", timeout=5)

    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]


def test_control_api_ignores_faults_and_rate_limits(emu: RealtimeKitEmulator):
    from airflow_provider_realtimekit.testing import Fault

    emu.inject_fault("*", Fault.status(503))
    emu.set_rate_limit(1)

    statuses = [control(emu, "GET", "/requests/counts").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_control_prefix_is_not_a_cloudflare_route(emu: RealtimeKitEmulator, client: EmulatorClient):
    response = client.get("/_emulator/requests")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 7000
