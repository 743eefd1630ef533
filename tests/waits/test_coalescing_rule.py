"""The shared poller's cost rule at its edges (pure arithmetic): when it coalesces, and how often it walks."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.waits.coalescing import listing_plan, walks_per_interval
from airflow_provider_realtimekit.waits.poller_records import PollerOptions

DEFAULTS = PollerOptions()


def modelled_requests_per_cycle(waits: int, interval: float, options: PollerOptions = DEFAULTS) -> float:
    """One poller's requests per poll interval while nothing stops: its walks and the audits its allowance grants."""
    plan = listing_plan(waits, 1, options)
    if plan is None:
        return waits
    audit_allowance = 3.6 * options.audit_share * interval  # the default rate budget's share, per interval
    return plan.walks_per_interval + min(waits * plan.walks_per_interval / options.audit_every, audit_allowance)


def test_fewer_waits_than_the_floor_are_polled_directly():
    assert listing_plan(DEFAULTS.coalesce_from - 1, 1, DEFAULTS) is None
    plan = listing_plan(DEFAULTS.coalesce_from, 1, DEFAULTS)
    assert plan is not None and plan.walks_per_interval == 1


def test_a_listing_of_as_many_pages_as_waits_is_not_used():
    # 10 waits on a 10-page listing: one walk alone costs what a fetch of each does.
    assert listing_plan(10, 10, DEFAULTS) is None
    # 12 waits: one walk (10) and their audits (1.2) cost less than 12 fetches.
    assert listing_plan(12, 10, DEFAULTS) is not None


@pytest.mark.parametrize(
    ("waits", "pages", "walks"),
    [(4, 1, 1.0), (8, 1, 1.0), (15, 1, 1.875), (20, 1, 2.5), (24, 1, 3.0), (120, 2, 3.0), (10_000, 100, 3.0)],
)
def test_walks_per_interval_grow_with_the_waits_from_one_to_three(waits, pages, walks):
    assert walks_per_interval(waits, pages, DEFAULTS) == walks


def test_coalescing_always_costs_fewer_requests_than_a_fetch_per_wait():
    for waits in range(1, 200):
        for pages in (1, 2, 5):
            plan = listing_plan(waits, pages, DEFAULTS)
            if plan is not None:
                assert plan.cost_per_interval < waits
                assert plan.walks_per_interval * pages <= max(DEFAULTS.listing_share * waits, pages)


@pytest.mark.parametrize("split", [(30 - few, few) for few in range(16)])
def test_any_split_of_30_waits_over_two_pollers_costs_at_most_8_requests_per_5_s_cycle(split):
    # The e2e fleet: 30 waits at a 5 s interval over two triggerers; each poller's audits are capped by its
    # allowance (10% of 3.6 requests a second). The emulator test (test_two_pollers.py) measures it.
    assert sum(modelled_requests_per_cycle(waits, 5.0) for waits in split) <= 8
