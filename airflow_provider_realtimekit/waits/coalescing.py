"""The shared poller's cost rule: when one listing answers a poller's waits for fewer requests than a fetch
of each, and how often that listing is walked.

Per poll interval ``T`` (the shortest of the poller's waits), with ``n`` waits and a listing of ``p`` pages:

- **direct polling** costs ``n`` requests: one fetch per wait;
- **the listing** costs ``W * p`` for its walks plus ``n * W / audit_every`` for the audits (each wait is
  fetched directly after ``audit_every`` listing answers in a row, one answer per walk), where the walks
  per interval ``W = listing_share * n / p``, at least 1 (so that a stop is seen within one interval, as
  with direct polling) and at most ``max_walks_per_interval`` (3: a stop is then seen within a third of an
  interval; more would cost requests for little). The walks thus cost at most ``listing_share`` (1/8) of
  what direct polling would, whenever the waits are many enough to afford more than one walk.

The poller coalesces when the listing is cheaper and it holds at least ``coalesce_from`` waits (4): below
that the saving is a request or two per interval, and tests that stop emulator sessions after ``Polls(n)``
fetches keep behaving as with independent polling. The fetch of a stopped session (its final payload) costs
the same either way and is left out.

Why 1/8 and not "walk three times per interval whenever ``n > 3p``": two triggerers on one token each run a
poller. With 30 waits split 15/15 at 5 s, three walks each (6) plus the audits the poller's allowance grants
(up to 1.8 each per 5 s) made 11 to 12 requests per cycle (measured). With the walks scaled to the waits, the
same split costs about 2 * (1.9 + 1.8) = 7.4, and no split of 30 waits costs more than about 8 (see
``tests/waits/test_coalescing_rule.py``); a single poller of 24 waits or more walks three times per interval,
as before, so large fleets keep their detection latency.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_realtimekit.waits.poller_records import PollerOptions


@dataclass(frozen=True)
class ListingPlan:
    """
    How a coalescing poller uses the listing.

    :param walks_per_interval: walks of the listing per poll interval (the walks begin at least
        ``interval / walks_per_interval`` seconds apart).
    :param cost_per_interval: requests per poll interval it costs (walks and audits), to compare with one
        request per wait.
    """

    walks_per_interval: float
    cost_per_interval: float


def walks_per_interval(waits: int, pages: int, options: PollerOptions) -> float:
    """
    Walks of the listing per poll interval for ``waits`` waits on a listing of ``pages`` pages.

    :param waits: the poller's waits.
    :param pages: pages of the last walk (1 before the first).
    :param options: the poller's options.
    """
    walks = options.listing_share * waits / max(pages, 1)
    return min(max(walks, 1.0), options.max_walks_per_interval)


def listing_plan(waits: int, pages: int, options: PollerOptions) -> ListingPlan | None:
    """
    The listing plan for this many waits, or None when fetching each wait directly is as cheap.

    :param waits: the poller's waits.
    :param pages: pages of the last walk (1 before the first).
    :param options: the poller's options.
    """
    if waits < options.coalesce_from:
        return None
    walks = walks_per_interval(waits, pages, options)
    cost = walks * max(pages, 1) + waits * walks / options.audit_every
    if cost >= waits:
        return None
    return ListingPlan(walks, cost)
