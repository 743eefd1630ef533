"""RealtimeKitLivestreamSessionTrigger: waits in the triggerer until a livestream session has stopped.

By default every trigger of one event loop that uses the same token and app polls through one shared
poller (:mod:`airflow_provider_realtimekit.waits.poller`), which answers most polls from one paged
listing of the app's live livestreams and fetches a session only when its payload may have changed, so
thousands of waits stay inside Cloudflare's 1,200 requests per 5 minutes. The trigger keeps its own loop
(interval, deadline, failure budget), its kwargs and its events. ``shared_polling=False`` or the
connection extra ``"shared_poller": false`` makes a trigger poll its session on its own, as releases before
the shared poller did.
"""

from __future__ import annotations

import time
from asyncio import sleep
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitError,
    RealtimeKitNotFoundError,
)
from airflow_provider_realtimekit.hooks import DEFAULT_CONN_ID
from airflow_provider_realtimekit.triggers.off_loop import import_off_loop
from airflow_provider_realtimekit.waits.parameters import (
    check_failure_count,
    check_max_consecutive_failures,
    check_positive_seconds,
)

if TYPE_CHECKING:
    from airflow_provider_realtimekit.waits.poller import SharedPoller

#: What ``run()`` needs beyond building and serializing a trigger: imported in a worker thread (see
#: :mod:`.off_loop`), because the triggerer imports this module on its event loop.
RUN_TIME_MODULES = (
    "airflow_provider_realtimekit.api.settings",
    "airflow_provider_realtimekit.hooks.realtimekit_async",
    "airflow_provider_realtimekit.waits.failure_budget",
    "airflow_provider_realtimekit.waits.poller",
    "airflow_provider_realtimekit.waits.poller_registry",
    "airflow_provider_realtimekit.waits.session_state",
    "airflow_provider_realtimekit.waits.shared_connection",
)


class SessionEventStatus(str, Enum):
    """The closed set of outcomes the trigger reports; ``execute_complete`` accepts nothing else."""

    SUCCESS = "success"  # stopped; the event carries the final session payload
    STREAM_ERROR = "stream_error"  # ended with err_message; the event carries the payload
    NOT_FOUND = "not_found"  # the session id does not exist in the app
    FAILED = "failed"  # a non-transient error, or the failure budget was spent
    TIMEOUT = "timeout"  # the deadline passed before the session stopped


class RealtimeKitLivestreamSessionTrigger(BaseTrigger):
    """
    Polls a livestream session until it has stopped, then fires one event carrying its payload.

    Every kwarg is a plain JSON value and the deadline is absolute (epoch seconds), so a triggerer restart
    resumes the same wait. The triggers of one token share one poller and one async HTTP client.

    :param session_id: the livestream session id.
    :param realtimekit_conn_id: the ``realtimekit`` connection.
    :param poll_interval: seconds between polls.
    :param deadline: epoch seconds after which the wait ends with a ``timeout`` event; None waits forever.
    :param max_consecutive_failures: transient failures in a row tolerated before a ``failed`` event.
    :param not_before: epoch seconds before which the first poll is not sent (the ``Retry-After`` of a 429
        the sensor met just before deferring); None polls at once.
    :param failures_so_far: transient failures in a row the sensor already met before deferring (0 when its
        last poke succeeded). The trigger's first failure continues that streak rather than starting a new
        one, so the wait still ends once more than ``max_consecutive_failures`` polls in a row have failed.
        A triggerer restart resumes from this count, not from the failures the trigger met since.
    :param livestream_id: the session's livestream, when known (the sensor passes what its first poke
        read): the shared poller can then answer the first poll from its listing, which spares a triggerer
        restart thousands of session fetches. None: learnt from the first fetch.
    :param shared_polling: False polls this session on its own instead of through the token's shared
        poller (so does the connection extra ``"shared_poller": false``).
    """

    def __init__(
        self,
        session_id: str,
        realtimekit_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = 30.0,
        deadline: float | None = None,
        max_consecutive_failures: int = 10,
        not_before: float | None = None,
        failures_so_far: int = 0,
        livestream_id: str | None = None,
        shared_polling: bool = True,
    ) -> None:
        super().__init__()
        check_positive_seconds("poll_interval", poll_interval)
        check_max_consecutive_failures(max_consecutive_failures)
        check_failure_count("failures_so_far", failures_so_far)
        self.session_id = session_id
        self.realtimekit_conn_id = realtimekit_conn_id
        self.poll_interval = float(poll_interval)
        self.deadline = None if deadline is None else float(deadline)
        self.max_consecutive_failures = max_consecutive_failures
        self.not_before = None if not_before is None else float(not_before)
        self.failures_so_far = failures_so_far
        self.livestream_id = livestream_id if isinstance(livestream_id, str) and livestream_id else None
        self.shared_polling = bool(shared_polling)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "session_id": self.session_id,
            "realtimekit_conn_id": self.realtimekit_conn_id,
            "poll_interval": self.poll_interval,
            "deadline": self.deadline,
            "max_consecutive_failures": self.max_consecutive_failures,
            "not_before": self.not_before,
            "failures_so_far": self.failures_so_far,
        }
        # Only when not the default: the rows (and AssetWatcher identities) of earlier releases stay the same.
        if self.livestream_id is not None:
            kwargs["livestream_id"] = self.livestream_id
        if not self.shared_polling:
            kwargs["shared_polling"] = False
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(session_id={self.session_id!r}, "
            f"realtimekit_conn_id={self.realtimekit_conn_id!r}, poll_interval={self.poll_interval:g})"
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        await import_off_loop(RUN_TIME_MODULES)
        from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook

        try:
            poller = await self._shared_poller()
            if poller is None:
                async with RealtimeKitAsyncHook(self.realtimekit_conn_id) as hook:
                    event = await self._wait(lambda: hook.get_livestream_session(self.session_id), None)
            else:
                async with poller.subscribe(self.session_id, self.livestream_id, self.poll_interval) as wait:
                    event = await self._wait(wait.observe, wait.listing_pause)
        except RealtimeKitError as error:  # connection not usable: bad fields, missing token
            event = self._event(SessionEventStatus.FAILED, error=error)
        yield TriggerEvent(event)

    async def _shared_poller(self) -> SharedPoller | None:
        """The token's shared poller, or None when this trigger polls on its own."""
        from airflow_provider_realtimekit.api.settings import ClientSettings
        from airflow_provider_realtimekit.waits.poller_registry import shared_poller
        from airflow_provider_realtimekit.waits.shared_connection import read_connection

        if not self.shared_polling:
            return None
        conn = await read_connection(self.realtimekit_conn_id)
        settings = ClientSettings.from_connection(conn)
        extra = conn.extra_dejson if isinstance(conn.extra_dejson, dict) else {}
        if str(extra.get("shared_poller", True)).strip().lower() in ("false", "0", "no", "off"):
            return None
        return shared_poller(settings)

    async def _wait(
        self,
        observe: Callable[[], Awaitable[dict[str, Any] | None]],
        listing_pause: Callable[[float], float] | None,
    ) -> dict[str, Any]:
        """
        Poll until the session has stopped; return the event.

        :param observe: the next observation: the session payload, or None when the shared poller's
            listing says the session is still live.
        :param listing_pause: the pause after a listing answer, given the poll interval (the shared poller's
            spacing of its walks); None when every answer is a fetch.
        """
        from airflow_provider_realtimekit.waits.failure_budget import FailureBudget
        from airflow_provider_realtimekit.waits.session_state import SessionState, session_state

        budget = FailureBudget(
            self.max_consecutive_failures, f"livestream session {self.session_id!r}", self.failures_so_far
        )
        if self.not_before is not None and not await self._sleep_before_deadline(self.not_before - time.time()):
            return self._timed_out()
        while True:
            pause = self.poll_interval
            try:
                session = await observe()
            except RealtimeKitNotFoundError as error:
                return self._event(SessionEventStatus.NOT_FOUND, error=error)
            except RealtimeKitError as error:
                if not error.transient:
                    return self._event(SessionEventStatus.FAILED, error=error)
                try:
                    self.log.warning("%s", budget.record_failure(error))
                except RealtimeKitError as spent:
                    return self._event(SessionEventStatus.FAILED, error=spent)
                pause = max(pause, budget.retry_after)
            else:
                budget.record_success()
                if session is None:
                    # The listing answered: that cost this wait nothing, so it asks again when the poller's next
                    # walk begins, and a stop is seen as soon as a later listing shows it.
                    pause = listing_pause(pause) if listing_pause is not None else pause
                    self.log.debug(
                        "Livestream session %s is still live (listing); next poll in %.0f s", self.session_id, pause
                    )
                    if not await self._sleep_before_deadline(pause):
                        return self._timed_out()
                    continue
                state = session_state(session)
                if state is SessionState.ERRORED:
                    return self._event(SessionEventStatus.STREAM_ERROR, session=session)
                if state.is_terminal():
                    return self._event(SessionEventStatus.SUCCESS, session=session)
                self.log.info("Livestream session %s is still live; next poll in %.0f s", self.session_id, pause)
            if not await self._sleep_before_deadline(pause):
                return self._timed_out()

    def _timed_out(self) -> dict[str, Any]:
        return self._event(
            SessionEventStatus.TIMEOUT,
            message=f"Livestream session {self.session_id!r} had not stopped by the sensor's timeout.",
        )

    async def _sleep_before_deadline(self, pause: float) -> bool:
        """
        Sleep ``pause`` seconds, or only until the deadline (so the last poll happens at the deadline);
        False when the deadline has already passed.

        Deadlines use wall-clock time, not the monotonic clock, because they must mean the same thing
        after a triggerer restart, possibly on another machine.
        """
        if self.deadline is not None:
            remaining = self.deadline - time.time()
            if remaining <= 0:
                return False
            pause = min(pause, remaining)
        await sleep(max(pause, 0.0))
        return True

    def _event(
        self,
        status: SessionEventStatus,
        *,
        session: dict[str, Any] | None = None,
        error: RealtimeKitError | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        event: dict[str, Any] = {"status": status.value, "session_id": self.session_id}
        if session is not None:
            event["session"] = session
        if error is not None:
            event["message"] = str(error)
            event["error_type"] = type(error).__name__
        elif message is not None:
            event["message"] = message
        return event
