"""The rate budget's arithmetic, on explicit times: reserve, pacing, the server's count, the circuit breaker."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.api.rate_limits import BudgetLimits
from airflow_provider_realtimekit.waits.rate_budget import RateBudget

SMALL = BudgetLimits(quota=60, window=6, reserve=0.1)  # 54 affordable per 6 s


def send_all(budget: RateBudget, count: int, start: float = 0.0) -> list[float]:
    """Send ``count`` requests as fast as the budget allows; return when each left."""
    now, times = start, []
    for _ in range(count):
        now = budget.book(now)
        assert budget.still_open(now)
        budget.record_sent(now)
        times.append(now)
    return times


def ratelimit(remaining: int, reset: float) -> dict[str, str]:
    return {"Ratelimit": f'"default";r={remaining};t={reset:g}', "Ratelimit-Policy": '"default";q=60;w=6'}


def test_without_headers_requests_are_spread_evenly_over_the_window():
    times = send_all(RateBudget(SMALL), 5)

    assert times == pytest.approx([0, 6 / 54, 12 / 54, 18 / 54, 24 / 54])


def test_without_headers_the_reserve_is_never_spent_within_one_window():
    budget = RateBudget(SMALL, pace=False)

    times = send_all(budget, 55)

    assert times[:54] == [0.0] * 54  # unpaced: a burst, up to the reserve
    assert times[54] == pytest.approx(6.0)  # the 55th waits for the first to leave the sliding window


def test_the_first_request_leaves_at_once():
    assert RateBudget().book(100.0) == 100.0


def test_the_servers_remaining_count_replaces_the_local_one():
    budget = RateBudget(SMALL)
    budget.record_sent(0.0)
    budget.record_answer(0.0, 200, ratelimit(remaining=16, reset=5))  # others spent most of the window

    # (16 - 6 reserved) = 10 affordable over 5 s: one every 0.5 s.
    assert budget.next_slot(0.0) == pytest.approx(0.5)


def test_at_the_reserve_nothing_leaves_until_the_servers_window_resets():
    budget = RateBudget(SMALL)
    budget.record_sent(0.0)
    budget.record_answer(0.0, 200, ratelimit(remaining=6, reset=4))

    assert not budget.still_open(1.0)
    assert budget.next_slot(1.0) == pytest.approx(4.0)
    assert budget.still_open(4.0)  # the window reset: count afresh


def test_requests_still_in_flight_count_against_the_servers_remaining():
    budget = RateBudget(SMALL, pace=False)
    budget.record_answer(0.0, 200, ratelimit(remaining=8, reset=6))
    budget.record_sent(0.0)
    budget.record_sent(0.0)

    assert not budget.still_open(0.0)  # 8 - 2 sent since that count - 6 reserved = 0


def test_the_servers_policy_replaces_the_configured_quota():
    budget = RateBudget(BudgetLimits())
    budget.record_answer(0.0, 200, {"Ratelimit-Policy": '"default";q=120;w=30'})

    assert (budget.quota, budget.window) == (120, 30)


def test_a_429_with_retry_after_holds_every_request_until_it_has_passed():
    budget = RateBudget(SMALL)
    budget.record_answer(10.0, 429, {"Retry-After": "7"})

    assert budget.breaker_wait(12.0) == pytest.approx(5.0)
    assert budget.next_slot(12.0) == pytest.approx(17.0)
    assert not budget.still_open(16.9)
    assert budget.still_open(17.0)
    assert budget.refusals == 1


def test_a_429_without_retry_after_holds_the_token_for_cloudflares_five_minute_lockout():
    budget = RateBudget(SMALL)
    budget.record_answer(0.0, 429, {})

    assert budget.breaker_wait(0.0) == 300.0


def test_the_breaker_takes_the_later_of_two_refusals():
    budget = RateBudget(SMALL)
    budget.record_answer(0.0, 429, {"Retry-After": "30"})
    budget.record_answer(1.0, 429, {"Retry-After": "2"})

    assert budget.breaker_wait(1.0) == pytest.approx(29.0)


def test_a_request_without_an_answer_teaches_nothing():
    budget = RateBudget(SMALL)
    budget.record_sent(0.0)
    budget.record_answer(0.0, None, {})

    assert budget.breaker_wait(0.0) == 0.0
    assert budget.still_open(0.0)


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_processes_pacing_on_the_shared_remaining_count_stay_inside_the_quota(processes):
    # A model of one server window (quota 60 per 6 s) and N budgets that each learn the server's count only
    # from their own answers, as separate processes do. Each pacing to (remaining - reserve) / seconds left,
    # together they never overrun: at most N - 1 requests dip into the reserve.
    budgets = [RateBudget(SMALL) for _ in range(processes)]
    used, reset_at = 0, 6.0
    clock = [budget.book(0.0) for budget in budgets]
    while min(clock) < reset_at:
        index = clock.index(min(clock))
        now, budget = clock[index], budgets[index]
        if budget.still_open(now):
            budget.record_sent(now)
            used += 1
            budget.record_answer(now, 200, ratelimit(remaining=60 - used, reset=reset_at - now))
        clock[index] = budget.book(now) if budget.next_slot(now) > now else now + 0.001

    assert used <= 60
    assert used >= 54 - processes  # the window is used, not wasted
