"""The request log: what was asked, how it was answered, and never a credential."""

from __future__ import annotations

import requests

from airflow_provider_realtimekit.testing import RealtimeKitEmulator, RequestRecord
from tests.testing.emulator_client import TOKEN, EmulatorClient


def test_log_records_method_path_query_route_status_and_auth(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.app_get("/livestreams", per_page=5, status="LIVE")

    record = emu.requests[-1]

    assert isinstance(record, RequestRecord)
    assert (record.method, record.route, record.status, record.auth_ok) == ("GET", "livestreams", 200, True)
    assert record.path == f"/client/v4/accounts/{emu.account_id}/realtime/kit/{emu.app_id}/livestreams"
    assert record.query == {"per_page": "5", "status": "LIVE"}


def test_log_marks_refused_authentication(emu: RealtimeKitEmulator):
    requests.get(emu.app_url + "/livestreams", headers={"Authorization": "Bearer nope"}, timeout=5)

    record = emu.requests[-1]

    assert (record.auth_ok, record.status) == (False, 401)


def test_log_names_unknown_paths_unknown(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.get("/nowhere")

    assert emu.requests[-1].route == "unknown"


def test_log_time_follows_the_emulator_clock(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.advance(3600)

    client.app_get("/livestreams")

    assert emu.requests[-1].time >= emu.now().timestamp() - 1


def test_log_never_holds_the_authorization_value(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.app_get("/livestreams", note="hello")
    requests.get(emu.app_url + "/livestreams", headers={"Authorization": "Bearer guessed-secret"}, timeout=5)

    logged = repr(emu.requests)

    assert TOKEN not in logged
    assert "guessed-secret" not in logged
    assert "Bearer" not in logged


def test_clear_requests_empties_the_log(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.app_get("/livestreams")

    emu.clear_requests()

    assert emu.requests == []
