"""Cloudflare-style per-token rate limits: headers, 429 arithmetic, windows and lockout, on the emulator clock."""

from __future__ import annotations

import requests

from airflow_provider_realtimekit.testing import RateLimitPolicy, RealtimeKitEmulator
from tests.testing.emulator_client import EmulatorClient


def test_every_counted_response_carries_ratelimit_headers(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_rate_limit(quota=10, window=60)

    first = client.app_get("/livestreams")
    second = client.get("/user/tokens/verify")  # refused by authentication (account-owned token): not counted

    assert first.headers["Ratelimit"] == '"default";r=9;t=60'
    assert first.headers["Ratelimit-Policy"] == '"default";q=10;w=60'
    assert "Ratelimit" not in second.headers


def test_remaining_counts_down_across_routes(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_rate_limit(quota=5, window=60)

    remaining = [
        client.app_get(path).headers["Ratelimit"].split(";")[1]
        for path in ("/livestreams", "/analytics/livestreams/overall", "/livestreams/sessions/x")
    ]

    assert remaining == ["r=4", "r=3", "r=2"]


def test_request_over_quota_answers_429_with_retry_after_and_cloudflare_971(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    emu.set_rate_limit(quota=2, window=2.5)
    client.app_get("/livestreams")
    client.app_get("/livestreams")

    refused = client.app_get("/livestreams")

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3"
    assert refused.headers["Ratelimit"].startswith('"default";r=0;t=')
    assert refused.json() == {
        "success": False,
        "errors": [{"code": 971, "message": "Please wait and consider throttling your request speed"}],
        "messages": [],
        "result": None,
    }


def test_window_resets_after_it_has_passed(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_rate_limit(quota=1, window=2)
    client.app_get("/livestreams")
    assert client.app_get("/livestreams").status_code == 429

    emu.advance(2)

    assert client.app_get("/livestreams").headers["Ratelimit"] == '"default";r=0;t=2'


def test_without_lockout_other_calls_pass_once_the_window_resets(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_rate_limit(quota=1, window=10)
    client.app_get("/livestreams")
    client.app_get("/livestreams")
    emu.advance(6)

    refused = client.app_get("/livestreams")

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "4"


def test_lockout_refuses_every_route_until_lockout_seconds_have_passed(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    emu.set_rate_limit(quota=1, window=2, lockout=True, lockout_seconds=30)
    client.app_get("/livestreams")
    first_refusal = client.app_get("/livestreams")
    emu.advance(10)  # the window is long over, but the block is not

    during = [client.app_get("/analytics/livestreams/overall"), client.get("/accounts/x/tokens/verify")]
    emu.advance(20)
    after = client.app_get("/livestreams")

    assert first_refusal.headers["retry-after"] == "30"
    assert [r.status_code for r in during] == [429, 429]
    assert during[0].headers["retry-after"] == "20"
    assert after.status_code == 200


def test_requests_without_a_valid_token_are_not_counted(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_rate_limit(quota=1, window=60)
    for _ in range(3):
        requests.get(emu.app_url + "/livestreams", headers={"Authorization": "Bearer wrong"}, timeout=5)

    assert client.app_get("/livestreams").status_code == 200


def test_no_rate_limit_means_no_headers(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_rate_limit(None)

    response = client.app_get("/livestreams")

    assert "Ratelimit" not in response.headers


def test_default_policy_is_cloudflares_global_limit():
    emulator = RealtimeKitEmulator()

    assert emulator.rate_limit == RateLimitPolicy(quota=1200, window=300.0)
    assert RateLimitPolicy().policy_header() == b'"default";q=1200;w=300'
