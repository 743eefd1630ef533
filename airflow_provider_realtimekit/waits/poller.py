"""The shared poller: one per token per event loop, answering thousands of session waits with few requests.

Every ``RealtimeKitLivestreamSessionTrigger`` of one event loop (the triggerer's, ``dag.test()``'s, or a
script running many ``trigger.run()``) that uses the same base URL, account, app and token subscribes to
one :class:`SharedPoller` (``poller_registry.shared_poller``). It opens one async client when its first wait
subscribes and closes it when its last wait leaves; each wait costs it one small :class:`WaitState`.
It is plain asyncio, so it works the same on every supported Airflow: Airflow 3.3's shared streams
(``airflow/triggers/shared_stream.py``) and 3.2's trigger queues do not exist on 3.1, and shared streams
serve ``BaseEventTrigger``s only.

**How a wait is answered.** The trigger keeps its own loop (poll, sleep ``poll_interval``, deadline,
failure budget) and asks :meth:`Subscription.observe` on each poll. The answer is either the session's
fetched payload, or ``None``, meaning "still live, according to the app's listing of live livestreams":

1. A wait's first answer is a fetch of its session (it tells the session's ``livestream_id``, unless the
   trigger was given it), and so is every answer while the cost rule
   (:mod:`~airflow_provider_realtimekit.waits.coalescing`) says a fetch per wait is as cheap as the
   listing: with fewer than ``coalesce_from`` waits (default 4), or when the listing's walks and audits
   (``W * pages + waits * W / audit_every`` per interval) cost as much as a fetch of each wait. Below 4
   waits, tests that stop emulator sessions after ``Polls(n)`` fetches behave exactly as with independent
   polling; from 4 on, such a session ends through the audits (4.).
2. Otherwise one paged listing, ``GET .../livestreams?status=LIVE&per_page=100`` (the largest page size
   known to be served; none is documented [U]), answers every wait that needs a newer observation than
   the one it has (for a wait that just joined: a walk begun after it joined, since only such a walk watches
   its livestream). Waits that poll while a walk is under way, or scheduled, share it. A listing answer costs
   the wait nothing, so the trigger then asks again when the next walk can begin
   (:meth:`Subscription.listing_pause`); the poller walks the listing ``W`` times per poll interval at most
   (walks begin at least ``interval / W`` apart, and a wait that asks sooner waits for the next walk):
   ``W = waits / (8 * pages)``, from 1 (a stop is seen within an interval, as by polling the session) to 3
   (from 24 waits a page on), so the walks never cost more than an eighth of polling each wait once they
   are more than one. Two triggerers on one token each run a
   poller: 30 waits at 5 s cost 4 to 7 requests per cycle in all, however they are split (measured against
   the emulator; ``tests/waits/test_two_pollers.py`` checks it), where three walks each and their audits
   cost 11 to 12. When a walk takes longer than ``interval / W`` (thousands of live livestreams), walks go
   back to back, paced.
3. A wait whose livestream is in that listing, LIVE, with an ``updated_at`` no later than the last one a
   fetch of its session has covered, costs nothing: its session is still the livestream's active one. A
   wait whose livestream is missing from the listing (stopped, or shifted out of a page while the list
   changed), or whose livestream changed since (a stop, or a new session: the livestream went live again
   while we waited for its old session), costs one fetch of its own session, which its final payload
   needs anyway. Waits on the same session share that fetch.
4. A safety net for what is unconfirmed about the listing [U: the status filter, its shapes, what moves
   ``updated_at``]: a wait answered by the listing ``audit_every`` times in a row (default 10) is fetched
   directly, as far as an audit allowance of 10% of the poller's request rate permits, one audit at a time
   (no saved-up burst lands on top of a cycle's walks) and the most overdue wait first (so that the waits
   that happen to ask first cannot take every audit). At 120 waits every wait is audited every 10 polls;
   at 10,000 the allowance spreads audits out to one per wait every few hours. The audit also covers the
   one guess made without a fetch: a wait resumed with its ``livestream_id`` takes the livestream's
   ``updated_at`` in its first listing as its starting point.
   A listing the server refuses (anything but a transient error) switches the poller to direct
   fetches for good; a transient listing failure counts as a failed poll of each wait that needed it.

So a wrong guess about the API costs requests or latency, never a wrong outcome: the poller never says a
session stopped; only a fetched payload does (its ``stopped_time`` or ``err_message`` is set).

**Pacing and start-up.** The poller's requests go out at a steady rate below the token's limit
(:class:`~airflow_provider_realtimekit.waits.pacer.Pacer`: the connection's rate budget less its reserve,
by default 3.6 per second, 90% of Cloudflare's 1,200 per 5 minutes; bursts of 10), in arrival order; each
then passes the token's gate in the async hook's transport (server counts, circuit breaker) like any other.
When many waits join at once, each one's first poll is delayed by a random part of ``first_poll_spread``
seconds, so that their polls do not stay aligned.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_realtimekit.api import ApiRequest, ClientSettings, unwrap
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from airflow_provider_realtimekit.waits.coalescing import ListingPlan, listing_plan
from airflow_provider_realtimekit.waits.listing_walks import ListingWalks
from airflow_provider_realtimekit.waits.live_listing import parse_instant
from airflow_provider_realtimekit.waits.pacer import AuditAllowance, Pacer
from airflow_provider_realtimekit.waits.poller_records import PollerOptions, PollerStats, WaitState
from airflow_provider_realtimekit.waits.subscription import Subscription

T = TypeVar("T")
K = TypeVar("K")


@dataclass(slots=True)
class _Flight:
    """One session fetch in flight or done, shared by every wait on that session that may use its answer."""

    seq: int
    task: asyncio.Task[Any]


class SharedPoller:
    """
    Answers the session waits of one token in one event loop (see the module docstring).

    :param settings: the checked connection.
    :param options: how it behaves.
    :param on_closed: called when the last wait has left (the registry forgets the poller then).
    """

    def __init__(
        self,
        settings: ClientSettings,
        options: PollerOptions | None = None,
        on_closed: Callable[[SharedPoller], None] | None = None,
    ) -> None:
        self.settings = settings
        self._on_closed = on_closed
        self.options = options or PollerOptions()
        self.stats = PollerStats()
        self._hook = RealtimeKitAsyncHook.for_settings(settings)
        budget = settings.budget
        rate = self.options.rate or budget.quota / budget.window * (1 - budget.reserve)
        self._pacer = Pacer(rate, self.options.burst)
        # One audit at a time, never a saved-up burst: a burst would land in one cycle on top of its walks.
        self._audits = AuditAllowance(rate * self.options.audit_share, burst=1.0)
        self._waits: set[WaitState] = set()
        self.watched: Counter[str] = Counter()  # livestream id -> waits watching it
        self._sessions: Counter[str] = Counter()  # session id -> waits on it
        # poll interval -> waits with it: the shortest is read at every listing answer, so never a scan of the waits
        self._intervals: Counter[float] = Counter()
        self._fetches: dict[str, _Flight] = {}
        self._walks = ListingWalks(self)
        # The longest run of listing answers among the waits answered by the last walk, and by the current one.
        self._overdue, self._overdue_next, self._overdue_seq = 0, 0, -1
        self._seq = 0
        self._opening: asyncio.Future[Any] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def waits(self) -> int:
        """How many waits are subscribed."""
        return len(self._waits)

    def subscribe(self, session_id: str, livestream_id: str | None = None, poll_interval: float = 30.0) -> Subscription:
        """
        One wait's subscription, for ``async with``: entering subscribes the wait, leaving (also by
        cancellation) unsubscribes it, and the last wait to leave closes the poller.

        :param session_id: the livestream session to wait for.
        :param livestream_id: its livestream, when the caller knows it (saves the first fetch's role).
        :param poll_interval: the wait's poll interval.
        """
        return Subscription(self, WaitState(session_id, poll_interval=poll_interval), livestream_id)

    async def join(self, wait: WaitState, livestream_id: str | None) -> None:
        """
        Subscribe a wait (:class:`Subscription` does, on entering).

        :param wait: the wait.
        :param livestream_id: its livestream, when the caller knows it.
        """
        # It has "seen" everything before it joined: only a walk begun after it joined watches its livestream,
        # so an older snapshot would send it to a fetch it does not need.
        wait.seen = self._seq
        self._waits.add(wait)
        self._sessions[wait.session_id] += 1
        self._intervals[wait.poll_interval] += 1
        self._learn_livestream(wait, livestream_id)
        try:
            await self._open()
        except BaseException:
            await self.leave(wait)
            raise

    async def observe(self, wait: WaitState) -> dict[str, Any] | None:
        """
        The next observation of a wait: the fetched session payload, or None for "still live, per the
        listing". Raises what a fetch of the session would raise (not found, auth, transient errors).

        :param wait: the wait, as subscribed.
        """
        if wait.livestream_id is None or self._plan() is None:
            return await self._fetch(wait)
        if self._audit_due(wait) and self._audits.take():
            self.stats.audits += 1
            return await self._fetch(wait)
        snapshot = await self._walks.snapshot_after(wait)
        if snapshot is None:
            return await self._fetch(wait)
        if wait.livestream_id not in snapshot.updated_at:  # stopped, or lost between pages
            return await self._fetch(wait)
        updated = snapshot.updated_at[wait.livestream_id]
        if updated is not None and wait.acknowledged is not None and updated > wait.acknowledged:
            payload = await self._fetch(wait)  # a stop, or a new session, since the last fetch
            # The fetch began after this listing: it covers every change the listing showed.
            wait.acknowledged = max(updated, wait.acknowledged)
            return payload
        if wait.acknowledged is None:
            wait.acknowledged = updated
        wait.seen = snapshot.seq
        wait.listing_answers += 1
        self.stats.listing_answers += 1
        if snapshot.seq != self._overdue_seq:  # the first answer from a new walk
            self._overdue_seq, self._overdue, self._overdue_next = snapshot.seq, self._overdue_next, 0
        self._overdue_next = max(self._overdue_next, wait.listing_answers)
        return None

    def _audit_due(self, wait: WaitState) -> bool:
        """
        Whether a wait is due for an audit, the most overdue first: when more waits are due than the
        allowance grants, the waits that happen to ask first in each round would otherwise take every audit
        and starve the others (the longest run of listing answers in the previous walk's answers sets the bar).
        """
        return wait.listing_answers >= max(self.options.audit_every, self._overdue)

    # -- the two kinds of request ---------------------------------------------------------------------

    def _plan(self) -> ListingPlan | None:
        """How the listing is used now, or None while fetching each wait is as cheap (see ``coalescing``)."""
        if self._walks.refused:
            return None
        return listing_plan(len(self._waits), self._walks.pages, self.options)

    def coalescing(self) -> bool:
        """Whether the listing answers the waits now (else each wait is fetched)."""
        return self._plan() is not None

    def walk_spacing(self) -> float:
        """Seconds between the starts of two walks: the shortest poll interval over the plan's walks per interval."""
        plan = self._plan()
        return self.shortest_interval() / (plan.walks_per_interval if plan is not None else 1.0)

    async def spread_first_poll(self, wait: WaitState) -> None:
        """
        Delay a wait's first poll by a random part of ``first_poll_spread`` when it is not alone: waits
        joining together would otherwise poll together, every interval, forever.

        :param wait: the wait, as subscribed.
        """
        if len(self._waits) > 1:
            await asyncio.sleep(random.uniform(0, min(self.options.first_poll_spread, wait.poll_interval)))

    async def _fetch(self, wait: WaitState) -> dict[str, Any]:
        flight = self._fetches.get(wait.session_id)
        if flight is None or flight.seq <= wait.seen:
            flight = _Flight(self.next_seq(), self.spawn(self._fetch_session(wait.session_id)))
            self._fetches[wait.session_id] = flight
        else:
            self.stats.shared_fetches += 1
        try:
            payload: dict[str, Any] = await asyncio.shield(flight.task)
        finally:
            # Also after a failure: the next poll must ask again, not reuse the failed answer.
            wait.seen = max(wait.seen, flight.seq)
            self._forget_seen_fetch(wait.session_id, flight)
        wait.listing_answers = 0
        if wait.livestream_id is None and isinstance(payload, dict):
            self._learn_livestream(wait, payload.get("livestream_id"))
        if wait.acknowledged is None and isinstance(payload, dict):
            wait.acknowledged = parse_instant(payload.get("started_time"))
        return payload

    def _forget_seen_fetch(self, session_id: str, flight: _Flight) -> None:
        # A fetch that is done serves only the waits on its session that have not seen it yet. A lone wait
        # has, and keeping the task would hold its payload (about 3 KB with the task) per wait until it ends.
        if self._sessions.get(session_id, 0) <= 1 and self._fetches.get(session_id) is flight:
            del self._fetches[session_id]

    async def _fetch_session(self, session_id: str) -> dict[str, Any]:
        self.stats.fetches += 1
        return unwrap(await self.send(self.settings.app.livestream_session(session_id)))

    async def send(self, request: ApiRequest) -> dict[str, Any]:
        """Send one request of the poller's, paced (its walks' pages too)."""
        await self._pacer.slot()
        self.stats.requests += 1
        return await self._hook.call(request)

    # -- bookkeeping ----------------------------------------------------------------------------------

    def shortest_interval(self) -> float:
        """The shortest poll interval among the waits."""
        return min(self._intervals, default=30.0)

    def next_seq(self) -> int:
        """The next sequence number: observations (fetches, walks) are ordered by them."""
        self._seq += 1
        return self._seq

    def _learn_livestream(self, wait: WaitState, livestream_id: object) -> None:
        if isinstance(livestream_id, str) and livestream_id and wait.livestream_id is None:
            # Interned: the listing's snapshots then key on this very string (see live_listing.py).
            livestream_id = sys.intern(livestream_id)
            wait.livestream_id = livestream_id
            self.watched[livestream_id] += 1

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run a shared request (or walk) as a task of the poller's, cancelled when it closes."""
        # Shared requests run as tasks of their own: a waiter that is cancelled must not cancel the others'.
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a failure nobody awaited any more is not "never retrieved"

    async def _open(self) -> None:
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._hook.__aenter__())
        await asyncio.shield(self._opening)

    async def leave(self, wait: WaitState) -> None:
        """
        Unsubscribe a wait (:class:`Subscription` does, on leaving); the last one to leave closes the poller.

        :param wait: the wait.
        """
        self._waits.discard(wait)
        _release(self._intervals, wait.poll_interval)
        if _release(self._sessions, wait.session_id):
            self._fetches.pop(wait.session_id, None)
        if wait.livestream_id is not None:
            _release(self.watched, wait.livestream_id)
        if self._waits:
            return
        if self._on_closed is not None:
            self._on_closed(self)
        for task in list(self._tasks):
            task.cancel()
        if self._opening is not None:
            opening, self._opening = self._opening, None
            try:
                await opening
            except Exception:  # the client never opened: nothing to close
                return
            await self._hook.__aexit__(None, None, None)


def _release(counter: Counter[K], key: K) -> bool:
    """Count one wait less for ``key``; forget the key when none is left, and say so."""
    counter[key] -= 1
    if counter[key] > 0:
        return False
    del counter[key]
    return True
