"""The shared poller's walks of the app's live listing: when each one begins, and how waits share it.

A wait that needs a newer observation than the one it has asks :meth:`ListingWalks.snapshot_after`: the
last snapshot when it is newer, else the walk under way or scheduled, else a new walk. Walks begin at least
the poller's walk spacing apart (its shortest poll interval divided by the cost rule's walks per interval,
see :mod:`~airflow_provider_realtimekit.waits.coalescing`), so a poll interval holds no more walks than the
rule counted, however often the waits ask. A listing the server refuses (anything but a transient error)
switches the poller to direct fetches for good.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_realtimekit.exceptions import RealtimeKitError
from airflow_provider_realtimekit.waits.live_listing import LiveSnapshot, walk_live_listing

if TYPE_CHECKING:
    from airflow_provider_realtimekit.waits.poller import SharedPoller
    from airflow_provider_realtimekit.waits.poller_records import WaitState

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ListingWalk:
    """
    One walk of the listing, scheduled, under way or done, shared by every wait that may use its answer.

    Its sequence number is drawn when it begins (None until then): a walk that has not begun yet is newer
    than every observation made so far, so every wait that asks meanwhile can share it.
    """

    seq: int | None = None
    task: asyncio.Task[LiveSnapshot] = field(init=False)  # set as soon as it is made

    def newer_than(self, seen: int) -> bool:
        return self.seq is None or self.seq > seen


class ListingWalks:
    """
    The walks of one poller (its sequence numbers, tasks, pacing and waits are the poller's).

    :param poller: the poller whose waits the walks answer.
    """

    def __init__(self, poller: SharedPoller) -> None:
        self._poller = poller
        self._current: ListingWalk | None = None
        self._began = -math.inf  # monotonic time the last walk began
        #: The newest snapshot, pages of the last walk (1 before the first), whether the server refused it.
        self.snapshot: LiveSnapshot | None = None
        self.pages = 1
        self.refused = False

    async def snapshot_after(self, wait: WaitState) -> LiveSnapshot | None:
        """
        A listing begun after the wait's last observation: the last one, the walk under way, or a new walk.
        None when the server refuses the listing; a transient failure is raised.

        :param wait: the wait asking.
        """
        if self.snapshot is not None and self.snapshot.seq > wait.seen:
            return self.snapshot
        walk = self._current
        if walk is None or not walk.newer_than(wait.seen):
            walk = self._schedule(time.monotonic())
        try:
            return await asyncio.shield(walk.task)
        except RealtimeKitError as error:
            if walk.seq is not None:
                wait.seen = max(wait.seen, walk.seq)
            if error.transient:
                raise
            if not self.refused:
                self.refused = True
                log.warning(
                    "RealtimeKit refused the listing of live livestreams (%s); polling each session directly.", error
                )
            return None

    def _schedule(self, earliest: float) -> ListingWalk:
        """
        The next walk: at ``earliest``, but no sooner than one walk spacing after the last walk began.

        :param earliest: monotonic time before which it does not begin.
        """
        at = max(earliest, self._began + self._poller.walk_spacing())
        walk = self._current = ListingWalk()
        walk.task = self._poller.spawn(self._walk(walk, at))
        return walk

    async def _walk(self, walk: ListingWalk, at: float) -> LiveSnapshot:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        poller = self._poller
        walk.seq = seq = poller.next_seq()
        poller.stats.listings += 1
        started = self._began = time.monotonic()
        snapshot = await walk_live_listing(seq, poller.settings.app, poller.watched, poller.send)
        poller.stats.listing_pages += snapshot.pages
        self.pages = max(snapshot.pages, 1)
        if self.snapshot is None or snapshot.seq > self.snapshot.seq:
            self.snapshot = snapshot
        if poller.waits and snapshot.pages > 1:
            poller.spawn(self._walk_again(walk, started + poller.shortest_interval()))
        return snapshot

    async def _walk_again(self, walk: ListingWalk, at: float) -> None:
        """
        Begin the next walk one poll interval after the last one began, without waiting for a wait to ask.

        Waits ask again only after they have slept a part of their interval past the end of the last walk,
        so when a walk takes long (thousands of live livestreams) the listing would be seen only every walk
        plus that sleep. Walking on a schedule keeps it to one walk per interval at least, whatever the walk
        takes. Only for walks of several pages: a walk of one page is one request, and the waits' own asks
        begin the next one in time (and a test's rounds meet no walk they did not ask for).
        """
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        if self._poller.waits and self._poller.coalescing() and self._current is walk:
            self._schedule(at)
