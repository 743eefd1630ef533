"""Reading the rate-limit headers: every documented form, several policies, absent and garbage values."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.api.rate_limits import (
    BudgetLimits,
    QuotaPolicy,
    RemainingBudget,
    parse_policy,
    parse_remaining,
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Ratelimit": '"default";r=50;t=30'}, RemainingBudget(50, 30)),  # Cloudflare, 2025-09-03
        ({"ratelimit": '"default";r=0;t=1'}, RemainingBudget(0, 1)),
        ({"RateLimit": "default;r=7;t=2.5"}, RemainingBudget(7, 2.5)),  # a token name, not a quoted string
        ({"RateLimit": '"default"; r=9 ; t=4'}, RemainingBudget(9, 4)),  # optional whitespace
        ({"RateLimit": "limit=100, remaining=50, reset=30"}, RemainingBudget(50, 30)),  # draft 03-06
        ({"RateLimit-Remaining": "12", "RateLimit-Reset": "60"}, RemainingBudget(12, 60)),  # draft 00-02
        ({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "10"}, RemainingBudget(3, 10)),  # older CF page
    ],
)
def test_remaining_is_read_from_every_documented_form(headers, expected):
    assert parse_remaining(headers) == expected


def test_of_several_remaining_counts_the_slowest_safe_pace_wins():
    # burst: 40 left for 10 s = 4/s; default: 300 left for 290 s, about 1/s: the default constrains more.
    headers = {"Ratelimit": '"burst";r=40;t=10, "default";r=300;t=290'}

    assert parse_remaining(headers) == RemainingBudget(300, 290)


def test_a_spent_window_is_the_most_constraining():
    assert parse_remaining({"Ratelimit": '"default";r=900;t=100, "burst";r=0;t=5'}) == RemainingBudget(0, 5)


def test_repeated_ratelimit_headers_are_read_as_one_list():
    headers = [("Ratelimit", '"a";r=100;t=10'), ("RATELIMIT", '"b";r=5;t=10')]

    assert parse_remaining(_Multi(headers)) == RemainingBudget(5, 10)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Ratelimit-Policy": '"default";q=1200;w=300'}, QuotaPolicy(1200, 300)),
        ({"Ratelimit-Policy": '"burst";q=100;w=60'}, QuotaPolicy(100, 60)),
        ({"RateLimit-Policy": "100;w=60"}, QuotaPolicy(100, 60)),  # draft 03-06: bare quota
        ({"RateLimit-Policy": '"default";q=120;w=300, "burst";q=100;w=60'}, QuotaPolicy(120, 300)),
        ({"RateLimit-Policy": "10;w=1, 1000;w=3600"}, QuotaPolicy(1000, 3600)),
    ],
)
def test_policy_is_read_and_the_lowest_rate_wins(headers, expected):
    assert parse_policy(headers) == expected


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json"},
        {"Ratelimit": ""},
        {"Ratelimit": "garbage"},
        {"Ratelimit": '"default";r=abc;t=30'},
        {"Ratelimit": '"default";r=-1;t=30'},
        {"Ratelimit": '"default";r=nan;t=inf'},
        {"Ratelimit": '"default";r=5'},  # no reset
        {"Ratelimit": ';;;==,,"""'},
        {"RateLimit-Remaining": "5"},  # no reset
        {"Ratelimit-Policy": '"default";q=0;w=300'},
        {"Ratelimit-Policy": '"default";q=10;w=0'},
        {"Ratelimit-Policy": "\x00\xff"},
    ],
)
def test_absent_or_garbage_headers_read_as_nothing_stated(headers):
    assert parse_remaining(headers) is None
    assert parse_policy(headers) is None


def test_budget_limits_default_to_cloudflares_documented_limit_and_a_tenth_reserved():
    limits = BudgetLimits()

    assert (limits.quota, limits.window, limits.reserve) == (1200, 300, 0.10)
    assert limits.reserved() == 120
    assert limits.reserved(60) == 6
    assert BudgetLimits(quota=5, reserve=0.1).reserved() == 1  # rounded up: some reserve always stays


class _Multi:
    """Headers with a repeated name, as an HTTP client's multi-dict hands them over."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self):
        return iter(self._pairs)


# -- the 429 message (issue #15.6) ---------------------------------------------------------------------


def rate_limited(headers: dict[str, str]) -> str:
    from airflow_provider_realtimekit.api import RealtimeKitApp
    from airflow_provider_realtimekit.api.responses import ApiResponse, parse_response
    from airflow_provider_realtimekit.exceptions import RealtimeKitRateLimitError

    request = RealtimeKitApp(account_id="0123456789abcdef0123456789abcdef", app_id="app").livestream_session("s1")
    body = b'{"success": false, "errors": [{"code": 971, "message": "Please wait"}]}'
    with pytest.raises(RealtimeKitRateLimitError) as raised:
        parse_response(request, ApiResponse(429, headers, body))
    return str(raised.value)


def test_the_429_message_takes_the_quota_from_the_ratelimit_policy_header():
    message = rate_limited({"Ratelimit-Policy": '"default";q=120;w=300', "Retry-After": "42"})

    assert "120 requests per 5 minutes (from the Ratelimit-Policy header)" in message
    assert "1,200" not in message
    assert "for 42 s (retry-after)" in message
    assert "give this work an API token of its own" in message
    assert "share fewer tokens" not in message


def test_the_429_message_falls_back_to_cloudflares_documented_limit():
    message = rate_limited({})

    assert "Cloudflare's limit of 1,200 requests per 5 minutes" in message
    assert "for 5 minutes (no retry-after given" in message
