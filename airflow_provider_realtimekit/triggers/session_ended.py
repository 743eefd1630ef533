"""RealtimeKitLivestreamSessionEndedTrigger: an event trigger that fires once for every livestream session
that ends, for an ``AssetWatcher`` (event-driven DAGs; see ``docs/event-driven.md``).

It is long-running (the pattern of Amazon's ``KinesisTrigger``): one ``run()`` polls every
``poll_interval`` seconds for as long as the triggerer runs it, and yields one ``TriggerEvent`` per
session that ended. How a cycle finds them is :mod:`..session_watch.discovery`; what it remembers is
:mod:`..session_watch.cursor`, kept in the Asset State Store on Airflow 3.3
(:mod:`..session_watch.cursor_store`).

Delivery: sessions are reported oldest stop first, and the cursor is saved one ``poll_interval`` after
the events it covers were handed to the triggerer (which writes them to the DB within a second or so).
A triggerer killed in between repeats that cycle's events after the restart: at-least-once, which an
idempotent DAG absorbs. On 3.1/3.2 the cursor lives in memory: a restarted watcher starts from "now"
(or from ``since`` again), so sessions that ended while it was down are not reported.
"""

from __future__ import annotations

import asyncio
import time
from asyncio import sleep
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_realtimekit._compat import AirflowException
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitConfigError,
    RealtimeKitError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
)
from airflow_provider_realtimekit.session_watch.parameters import (
    DEFAULT_CONN_ID,
    DEFAULT_POLL_INTERVAL,
    WatchParameters,
    check_watch_parameters,
)
from airflow_provider_realtimekit.triggers.off_loop import import_off_loop

if TYPE_CHECKING:
    from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
    from airflow_provider_realtimekit.session_watch.cursor import Cursor
    from airflow_provider_realtimekit.session_watch.cursor_store import CursorStore
    from airflow_provider_realtimekit.session_watch.discovery import EndedSession, SessionEndedDiscovery

#: What ``run()`` needs beyond building and serializing a trigger: imported in a worker thread (see
#: :mod:`.off_loop`), because the triggerer imports this module on its event loop.
RUN_TIME_MODULES = (
    "airflow_provider_realtimekit.hooks.realtimekit_async",
    "airflow_provider_realtimekit.session_watch.cursor",
    "airflow_provider_realtimekit.session_watch.cursor_store",
    "airflow_provider_realtimekit.session_watch.discovery",
    "airflow_provider_realtimekit.waits.session_state",
)

#: Seconds between reminders in the triggerer log while the kwargs are unusable.
_CONFIG_ERROR_REMINDER = 3600.0


class RealtimeKitLivestreamSessionEndedTrigger(BaseEventTrigger):
    """
    Yields one event per livestream session that ends, with the session's final payload.

    Event payload (Airflow stores it in the asset event's ``extra["payload"]``): ``session_id``,
    ``livestream_id``, ``stopped_time`` (as the API gives it), ``err_message`` (None unless the stream
    failed) and ``session`` (the session as ``GET /livestreams/sessions/{id}`` returns it).

    Kwargs are checked when the DAG file is parsed (the constructor raises there). Inside the triggerer,
    where an exception from a constructor takes down every trigger it runs, a bad value is logged by
    ``run()`` instead, which then waits without polling.

    :param realtimekit_conn_id: the ``realtimekit`` connection.
    :param poll_interval: seconds between poll cycles (at least 5).
    :param livestream_ids: watch only these livestreams; None watches every livestream of the app.
    :param exclude_meetings: leave out livestreams started from meetings.
    :param include_errored: report sessions that ended with an ``err_message`` (default True).
    :param since: an ISO-8601 date-time with offset (or aware datetime): on the first start, also report
        sessions that stopped after it (a backfill). None reports only sessions that stop after the
        watcher first started.
    """

    def __init__(
        self,
        realtimekit_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        livestream_ids: list[str] | None = None,
        exclude_meetings: bool = False,
        include_errored: bool = True,
        since: Any = None,
    ) -> None:
        super().__init__()
        raw = {
            "realtimekit_conn_id": realtimekit_conn_id,
            "poll_interval": poll_interval,
            "livestream_ids": livestream_ids,
            "exclude_meetings": exclude_meetings,
            "include_errored": include_errored,
            "since": since,
        }
        self.parameters: WatchParameters | None = None
        self.config_error: RealtimeKitConfigError | None = None
        try:
            self.parameters = check_watch_parameters(**raw)
        except RealtimeKitConfigError as error:
            if not _inside_event_loop():
                raise  # DAG parse time: refuse the file with the message
            self.config_error = error  # inside the triggerer: never raise from the constructor
        self._kwargs = self.parameters.to_kwargs() if self.parameters is not None else _json_safe(raw)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", dict(self._kwargs)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(realtimekit_conn_id={self._kwargs['realtimekit_conn_id']!r}, "
            f"poll_interval={self._kwargs['poll_interval']!r}, livestream_ids={self._kwargs['livestream_ids']!r})"
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        if self.parameters is None:
            await self._refuse_to_run()
            return
        parameters = self.parameters
        await import_off_loop(RUN_TIME_MODULES)
        from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
        from airflow_provider_realtimekit.session_watch.cursor_store import cursor_store_for

        store = cursor_store_for(self)
        while True:  # the hook is reopened only after the connection itself failed
            try:
                async with RealtimeKitAsyncHook(parameters.realtimekit_conn_id) as hook:
                    async for event in self._watch(hook, parameters, store):
                        yield event
            except (RealtimeKitError, AirflowException) as error:
                self.log.error(
                    "The session-ended watcher cannot use connection %r (%s); trying again in %.0f s.",
                    parameters.realtimekit_conn_id,
                    error,
                    parameters.poll_interval,
                )
                await sleep(parameters.poll_interval)

    async def _watch(
        self, hook: RealtimeKitAsyncHook, parameters: WatchParameters, store: CursorStore
    ) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_realtimekit.session_watch.discovery import SessionEndedDiscovery

        discovery = SessionEndedDiscovery(hook, parameters)
        cursor = await self._starting_cursor(parameters, store)
        saved = cursor
        failures = 0
        while True:
            pause = parameters.poll_interval
            try:
                cycle = await discovery.find_ended(cursor)
                for ended in cycle.ended:
                    event, cursor = await self._report(discovery, ended, cursor, parameters)
                    if event is not None:
                        yield event
                discovery.commit(cycle)
                failures = 0
            except _NotYetStopped as early:
                self.log.info("%s; looking again next cycle.", early)
            except RealtimeKitError as error:
                if not error.transient:
                    raise  # the connection is unusable (401, 403, bad ids): the caller logs and reopens
                failures += 1
                pause = max(pause, float(getattr(error, "retry_after", None) or 0.0))
                self.log.warning(
                    "Session-ended poll failed (%d in a row); next cycle in %.0f s. %s", failures, pause, error
                )
            await sleep(pause)
            if cursor != saved:
                # Saved a cycle late: by now the triggerer has written the events it covers to the DB.
                await store.save(cursor)
                saved = cursor

    async def _starting_cursor(self, parameters: WatchParameters, store: CursorStore) -> Cursor:
        from airflow_provider_realtimekit.session_watch.cursor import Cursor

        stored = await store.load()
        if stored is not None:
            self.log.info("Session-ended watcher resumes after sessions stopped at %s.", stored.stopped_time)
            return stored
        start = Cursor(parameters.since if parameters.since is not None else time.time())
        await store.save(start)  # so that a restart resumes from the first start, not from its own
        return start

    async def _report(
        self, discovery: SessionEndedDiscovery, ended: EndedSession, cursor: Cursor, parameters: WatchParameters
    ) -> tuple[TriggerEvent | None, Cursor]:
        """The event for one ended session (None when it is filtered out), and the cursor after it."""
        from airflow_provider_realtimekit.waits.session_state import SessionState, session_state

        after = cursor.after(ended.stopped_time, ended.session_id)
        if ended.errored and not parameters.include_errored:
            return None, after
        try:
            session = await discovery.final_payload(ended)
        except RealtimeKitNotFoundError:
            self.log.warning("Livestream session %s ended but is gone; not reported.", ended.session_id)
            return None, after
        try:
            state = session_state(session)
        except RealtimeKitInvalidResponseError as error:
            self.log.warning(
                "Livestream session %s ended but cannot be read; not reported. %s", ended.session_id, error
            )
            return None, after
        if not state.is_terminal():
            raise _NotYetStopped(f"Livestream session {ended.session_id} is listed as ended but still reads live")
        if state is SessionState.ERRORED and not parameters.include_errored:
            return None, after
        payload = {
            "session_id": ended.session_id,
            "livestream_id": session.get("livestream_id") or ended.livestream_id,
            "stopped_time": session.get("stopped_time"),
            "err_message": session.get("err_message") or None,
            "session": session,
        }
        self.log.info("Livestream session %s of livestream %s ended.", ended.session_id, ended.livestream_id)
        return TriggerEvent(payload), after

    async def _refuse_to_run(self) -> None:
        while True:
            self.log.error(
                "The session-ended watcher does not poll: %s Fix the watcher's kwargs in the DAG file.",
                self.config_error,
            )
            await sleep(_CONFIG_ERROR_REMINDER)


class _NotYetStopped(Exception):
    """The listing showed a session ended that its own endpoint still shows live: end the cycle early."""


def _inside_event_loop() -> bool:
    # DAG files are parsed in plain synchronous code; the triggerer builds triggers inside its event loop.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _json_safe(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if isinstance(value, (str, int, float, bool, list, type(None))) else repr(value)
        for key, value in raw.items()
    }
