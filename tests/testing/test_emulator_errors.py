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
        {"start_time": "yesterday"},
        {"exclude_meetings": "maybe"},
    ],
    ids=lambda params: next(iter(params)),
)
def test_invalid_livestreams_query_answers_400_realtimekit_error(client: EmulatorClient, params: dict[str, str]):
    response = client.app_get("/livestreams", **params)

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == 400


def test_invalid_analytics_time_answers_400(client: EmulatorClient):
    response = client.app_get("/analytics/livestreams/overall", start_time="not-a-time")

    assert response.status_code == 400
