"""The shared poller's options and its bookkeeping records: what it remembers per wait, and what it counts."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_realtimekit.waits.pacer import Pacer


@dataclass(frozen=True)
class PollerOptions:
    """
    How a shared poller behaves (the defaults suit Cloudflare; tests and benchmarks change them).

    :param rate: requests per second the poller plans for; None: the connection's rate budget without its
        reserve (``rate_limit_quota / rate_limit_window * (1 - rate_limit_reserve)``, 3.6 by default).
    :param burst: requests that may go out back to back after a quiet spell.
    :param coalesce_from: the fewest waits for which the listing is used (when it is also cheaper than a
        fetch per wait: see :mod:`airflow_provider_realtimekit.waits.coalescing`).
    :param listing_share: the walks of the listing may cost this share of what a fetch per wait would.
    :param max_walks_per_interval: walks of the listing per poll interval at most.
    :param audit_every: polls in a row answered by the listing after which a wait is fetched directly.
    :param audit_share: the share of ``rate`` those direct audit fetches may use.
    :param first_poll_spread: seconds over which the first polls of waits joining together are spread.
    """

    rate: float | None = None
    burst: float = Pacer.burst
    coalesce_from: int = 4
    listing_share: float = 0.125
    max_walks_per_interval: float = 3.0
    audit_every: int = 10
    audit_share: float = 0.1
    first_poll_spread: float = 5.0


@dataclass(slots=True, eq=False)
class WaitState:
    """
    What the poller remembers of one wait: 80 bytes (with its Subscription and its entries in the poller's
    set and counters, about 200; see benchmarks/poller_footprint.py).

    :param session_id: the livestream session waited for.
    :param livestream_id: its livestream, once known.
    :param poll_interval: the wait's own interval, which bounds its first-poll delay.
    :param seen: the poller's sequence number of the newest observation this wait has had (-1: none).
    :param acknowledged: the livestream ``updated_at`` a fetch of the session has covered.
    :param listing_answers: polls in a row answered by the listing.
    """

    session_id: str
    livestream_id: str | None = None
    poll_interval: float = 30.0
    seen: int = -1
    acknowledged: float | None = None
    listing_answers: int = 0


@dataclass
class PollerStats:
    """Counters the tests and the benchmark read."""

    requests: int = 0
    listings: int = 0
    listing_pages: int = 0
    fetches: int = 0
    shared_fetches: int = 0
    audits: int = 0
    listing_answers: int = 0
