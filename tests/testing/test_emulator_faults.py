"""Injected faults: each kind as a client sees it over real HTTP, and when rules fire."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import requests

from airflow_provider_realtimekit.testing import Fault, Polls, RealtimeKitEmulator
from tests.testing.emulator_client import TOKEN, EmulatorClient

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def session_id(emu: RealtimeKitEmulator) -> str:
    return str(emu.add_session(emu.add_livestream()["id"])["id"])


def test_status_fault_answers_a_realtimekit_error_for_the_given_times(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    rule = emu.inject_fault("livestream_session", Fault.status(503), times=2)

    statuses = [client.app_get(f"/livestreams/sessions/{session_id}").status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert rule.fired == 2


def test_status_fault_bodies_per_envelope(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("livestream_session", Fault.status(500), times=1)
    emu.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare", retry_after=7), times=1)

    realtimekit = client.app_get(f"/livestreams/sessions/{session_id}")
    cloudflare = client.app_get(f"/livestreams/sessions/{session_id}")

    assert realtimekit.json() == {"success": False, "error": {"code": 500, "message": "Internal Server Error"}}
    assert cloudflare.json()["errors"] == [{"code": 503, "message": "Service Unavailable"}]
    assert cloudflare.headers["retry-after"] == "7"


def test_html_fault_answers_a_cloudflare_error_page(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("livestream_session", Fault.html(502), times=1)

    response = client.app_get(f"/livestreams/sessions/{session_id}")

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text and "502" in response.text


def test_truncated_json_fault_answers_200_with_unparsable_json(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    emu.inject_fault("livestream_session", Fault.truncated_json(), times=1)

    response = client.app_get(f"/livestreams/sessions/{session_id}")

    assert response.status_code == 200
    assert response.text.startswith('{"success":true')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_success_false_fault_answers_200_with_an_error_body(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    emu.inject_fault("livestream_session", Fault.success_false(), times=1)

    response = client.app_get(f"/livestreams/sessions/{session_id}")

    assert response.status_code == 200
    assert response.json()["success"] is False
    assert "code" in response.json()["error"]


def test_delay_fault_outlasts_a_short_read_timeout(emu: RealtimeKitEmulator, session_id: str):
    emu.inject_fault("livestream_session", Fault.delay(1.0), times=1)

    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{emu.app_url}/livestreams/sessions/{session_id}", headers=AUTH, timeout=httpx.Timeout(5, read=0.2))


def test_delay_fault_does_not_block_other_requests(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("livestream_session", Fault.delay(0.6), times=1)
    delayed = threading.Thread(target=client.app_get, args=(f"/livestreams/sessions/{session_id}",))
    delayed.start()
    time.sleep(0.05)

    began = time.perf_counter()
    other = requests.get(f"{emu.app_url}/livestreams", headers=AUTH, timeout=5)
    elapsed = time.perf_counter() - began
    delayed.join()

    assert other.status_code == 200
    assert elapsed < 0.3


def test_delayed_request_is_answered_normally_after_the_delay(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    emu.inject_fault("livestream_session", Fault.delay(0.3), times=1)

    began = time.perf_counter()
    response = client.app_get(f"/livestreams/sessions/{session_id}")

    assert time.perf_counter() - began >= 0.3
    assert response.json()["data"]["id"] == session_id


def test_slow_drip_fault_delivers_the_whole_body_slowly(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    emu.inject_fault("livestream_session", Fault.slow_drip(0.5), times=1)

    began = time.perf_counter()
    response = client.app_get(f"/livestreams/sessions/{session_id}")

    assert time.perf_counter() - began >= 0.45
    assert response.json()["data"]["id"] == session_id


def test_slow_drip_fault_trips_a_read_timeout_shorter_than_its_pauses(emu: RealtimeKitEmulator, session_id: str):
    emu.inject_fault("livestream_session", Fault.slow_drip(2.0), times=1)

    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{emu.app_url}/livestreams/sessions/{session_id}", headers=AUTH, timeout=httpx.Timeout(5, read=0.1))


def test_drop_fault_is_a_connection_error_for_requests(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    emu.inject_fault("livestream_session", Fault.drop(), times=1)

    with pytest.raises(requests.ConnectionError):
        client.app_get(f"/livestreams/sessions/{session_id}")
    assert client.app_get(f"/livestreams/sessions/{session_id}").status_code == 200


def test_drop_fault_is_a_transport_error_for_httpx(emu: RealtimeKitEmulator, session_id: str):
    emu.inject_fault("livestream_session", Fault.drop(), times=1)

    with pytest.raises(httpx.TransportError):
        httpx.get(f"{emu.app_url}/livestreams/sessions/{session_id}", headers=AUTH, timeout=5)


async def test_drop_fault_is_a_transport_error_for_async_httpx(emu: RealtimeKitEmulator, session_id: str):
    emu.inject_fault("livestream_session", Fault.drop(), times=1)

    async with httpx.AsyncClient(headers=AUTH, timeout=5) as async_client:
        with pytest.raises(httpx.TransportError):
            await async_client.get(f"{emu.app_url}/livestreams/sessions/{session_id}")


def test_dropped_request_is_logged_with_status_zero(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("livestream_session", Fault.drop(), times=1)

    with pytest.raises(requests.ConnectionError):
        client.app_get(f"/livestreams/sessions/{session_id}")

    assert emu.requests[-1].status == 0
    assert emu.requests[-1].route == "livestream_session"


def test_fault_only_hits_its_route(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("livestreams", Fault.status(500))

    assert client.app_get(f"/livestreams/sessions/{session_id}").status_code == 200
    assert client.app_get("/livestreams").status_code == 500


def test_wildcard_fault_hits_every_route(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("*", Fault.status(502))

    statuses = {client.app_get(path).status_code for path in ("/livestreams", f"/livestreams/sessions/{session_id}")}

    assert statuses == {502}


def test_fraction_fires_on_about_that_share_and_is_seeded(
    emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str
):
    def failures() -> int:
        emu.clear_faults()
        emu.inject_fault("livestream_session", Fault.status(500), fraction=0.5)
        return sum(client.app_get(f"/livestreams/sessions/{session_id}").status_code == 500 for _ in range(60))

    first, second = failures(), failures()

    assert 15 <= first <= 45
    assert first == second


def test_fault_with_no_count_fires_until_cleared(emu: RealtimeKitEmulator, client: EmulatorClient, session_id: str):
    emu.inject_fault("livestream_session", Fault.status(500))
    assert [client.app_get(f"/livestreams/sessions/{session_id}").status_code for _ in range(3)] == [500] * 3

    emu.clear_faults()

    assert client.app_get(f"/livestreams/sessions/{session_id}").status_code == 200


def test_faults_need_a_valid_token(emu: RealtimeKitEmulator, session_id: str):
    emu.inject_fault("*", Fault.status(500))

    response = requests.get(f"{emu.app_url}/livestreams/sessions/{session_id}", timeout=5)

    assert response.status_code == 401


def test_answering_faults_do_not_count_as_polls(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=Polls(1))
    emu.inject_fault("livestream_session", Fault.status(503), times=3)

    for _ in range(3):
        client.app_get(f"/livestreams/sessions/{session['id']}")

    assert client.session_data(session["id"])["stopped_time"] is None


def test_unknown_route_name_is_rejected(emu: RealtimeKitEmulator):
    with pytest.raises(ValueError, match="unknown route"):
        emu.inject_fault("livestream-session", Fault.drop())
