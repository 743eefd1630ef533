"""One wait's subscription to its shared poller: the ``async with`` that subscribes it, and its polls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_realtimekit.waits.poller import SharedPoller
    from airflow_provider_realtimekit.waits.poller_records import WaitState


class Subscription:
    """
    One wait's handle on its shared poller, and the ``async with`` that subscribes it.

    A class rather than an ``asynccontextmanager``: a suspended generator's frame and the event loop's
    record of it cost about 400 bytes per wait, more than the poller's own bookkeeping of it.

    :param poller: the poller.
    :param wait: the wait's state.
    :param livestream_id: the wait's livestream, when the caller knows it.
    """

    __slots__ = ("_livestream_id", "polled", "poller", "wait")

    def __init__(self, poller: SharedPoller, wait: WaitState, livestream_id: str | None = None) -> None:
        self.poller = poller
        self.wait = wait
        self.polled = False
        self._livestream_id = livestream_id

    async def __aenter__(self) -> Subscription:
        await self.poller.join(self.wait, self._livestream_id)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.poller.leave(self.wait)

    def listing_pause(self, poll_interval: float) -> float:
        """
        Seconds to wait after a listing answer before asking again: until the poller's next walk can begin
        (asking sooner would only be held until then), never more than the wait's own interval.

        :param poll_interval: the wait's poll interval.
        """
        return min(poll_interval, self.poller.walk_spacing())

    async def observe(self) -> dict[str, Any] | None:
        """The session payload, or None for "still live, per the listing" (see :meth:`SharedPoller.observe`)."""
        if not self.polled:
            self.polled = True
            await self.poller.spread_first_poll(self.wait)
        return await self.poller.observe(self.wait)
