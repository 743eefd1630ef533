"""Authentication, routing and validation errors, in the envelope the real API uses for each."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.testing.emulator_client import TOKEN, EmulatorClient

AUTH_ERROR = {
    "success": False,
    "errors": [{"code": 10000, "message": "Authentication error"}],
    "messages": [],
    "result": None,
}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}],
    ids=["missing", "wrong", "not-bearer", "empty"],
)
def test_missing_or_wrong_token_answers_401_cloudflare_auth_error(emu: RealtimeKitEmulator, headers: dict[str, str]):
    response = requests.get(emu.app_url + "/livestreams", headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.json() == AUTH_ERROR


def test_token_without_realtime_permission_answers_403(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.tokens.realtime_permission = False

    response = client.app_get("/livestreams")

    assert response.status_code == 403
    assert response.json() == AUTH_ERROR


def test_refusal_never_echoes_the_presented_token(emu: RealtimeKitEmulator):
    response = requests.get(
        emu.app_url + "/livestreams", headers={"Authorization": "Bearer secret-guess-123"}, timeout=5
    )

    assert "secret-guess-123" not in response.text
    assert all("secret-guess-123" not in value for value in response.headers.values())


@pytest.mark.parametrize("which", ["account", "app"])
def test_unknown_account_or_app_id_answers_cloudflare_7003(
    emu: RealtimeKitEmulator, client: EmulatorClient, which: str
):
    account = "f" * 32 if which == "account" else emu.account_id
    app = "no-such-app" if which == "app" else emu.app_id
    path = f"/accounts/{account}/realtime/kit/{app}/livestreams"

    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "errors": [
            {
                "code": 7003,
                "message": f"Could not route to /client/v4{path}, perhaps your object identifier is invalid?",
            }
        ],
        "messages": [],
        "result": None,
    }


def test_unknown_session_id_answers_404_realtimekit_error(client: EmulatorClient):
    response = client.app_get("/livestreams/sessions/no-such-session")

    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": {"code": 404, "message": "No livestream session found for id no-such-session"},
    }


@pytest.mark.parametrize("suffix", ["", "/active-livestream-session"])
def test_unknown_livestream_id_answers_404_realtimekit_error(client: EmulatorClient, suffix: str):
    response = client.app_get(f"/livestreams/no-such-livestream{suffix}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "ten"},
        {"page_no": "-1"},
        {"sort_order": "DESC"},
        {"status": "STREAMING"},
        {"status": "OFFLINE"},
        {"start_time": "yesterday"},
        {"exclude_meetings": "maybe"},
    ],
    ids=lambda params: next(iter(params)),
)
def test_livestreams_query_outside_the_definition_answers_422_cloudflare_error(
    client: EmulatorClient, params: dict[str, str]
):
    response = client.app_get("/livestreams", **params)

    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False
    assert body["errors"][0]["code"] == 422
    assert next(iter(params)) in body["errors"][0]["message"]


def test_unknown_status_names_the_allowed_values(client: EmulatorClient):
    message = client.app_get("/livestreams", status="OFFLINE").json()["errors"][0]["message"]

    assert "LIVE, IDLE, ERRORED, INVOKED" in message


def test_validation_error_as_problem_json(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_variants(validation_error="problem")

    response = client.app_get("/livestreams", status="OFFLINE")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["title"], problem["status"]) == ("Invalid request", 422)
    assert problem["validation"][0]["location"] == ["query", "status"]
    assert problem["validation"][0]["code"] == "enum"


def test_invalid_paging_answers_422_on_every_paged_route(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = emu.add_livestream()["id"]

    detail = client.app_get(f"/livestreams/{livestream_id}", per_page="ten")
    apps = client.get(f"/accounts/{emu.account_id}/realtime/kit/apps", page_no="-1")

    assert (detail.status_code, apps.status_code) == (422, 422)


def test_invalid_analytics_time_answers_400(client: EmulatorClient):
    response = client.app_get("/analytics/livestreams/overall", start_time="not-a-time")

    assert response.status_code == 400
