"""One poll cycle of the session-ended watcher: which sessions have ended since the cursor.

A cycle costs, in requests:

1. the pages of the livestream listing (``GET /livestreams``, 100 a page; with ``exclude_meetings``);
2. one ``GET /livestreams/{id}`` (its newest sessions) per livestream whose ``updated_at`` or ``status``
   changed since the last cycle, which happens when one of its sessions starts or stops; more pages only
   when more than 100 of its sessions ended since the cursor;
3. one ``GET /livestreams/sessions/{id}`` per session that ended, for the payload the event carries
   (the seed endpoint's shape, the one the sensor and the operator return).

A quiet app therefore costs only the listing pages per cycle. What each livestream looked like is kept
in memory only: after a restart, the first cycle fetches the livestreams whose ``updated_at`` is at or
after the cursor, which covers every session that stopped since. This relies on ``updated_at`` moving
when a session stops [U: seen in the API's examples and modelled by the emulator, not documented];
``status`` going from LIVE to IDLE catches the same change when it does not.

Every request goes through :meth:`RealtimeKitAsyncHook.call`, so the watcher shares the hook's retry
policy and whatever per-token budget the hook applies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pendulum

from airflow_provider_realtimekit.api import Pager
from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError, RealtimeKitNotFoundError
from airflow_provider_realtimekit.session_watch.cursor import Cursor
from airflow_provider_realtimekit.waits.session_state import SessionState, session_state

if TYPE_CHECKING:
    from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
    from airflow_provider_realtimekit.session_watch.parameters import WatchParameters

log = logging.getLogger(__name__)

#: What the watcher remembers of a livestream between cycles: its ``updated_at`` and ``status``.
Fingerprint = tuple[object, object]


@dataclass(frozen=True)
class EndedSession:
    """
    A session found ended and not reported yet.

    :param session_id: the livestream session id.
    :param livestream_id: its livestream.
    :param stopped_time: epoch seconds it stopped (an errored session without one: its ``updated_at``).
    :param errored: it ended with an ``err_message``.
    """

    session_id: str
    livestream_id: str
    stopped_time: float
    errored: bool


@dataclass
class Cycle:
    """
    What one cycle found: the ended sessions, oldest stop first, and the livestream fingerprints to
    remember once they have all been reported (:meth:`SessionEndedDiscovery.commit`).
    """

    ended: list[EndedSession]
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)
    requests: int = 0


class SessionEndedDiscovery:
    """
    Finds the sessions that ended since a cursor, one cycle at a time.

    :param hook: an open :class:`RealtimeKitAsyncHook`.
    :param parameters: the watcher's checked kwargs.
    """

    def __init__(self, hook: RealtimeKitAsyncHook, parameters: WatchParameters) -> None:
        self._hook = hook
        self._parameters = parameters
        self._fingerprints: dict[str, Fingerprint] = {}

    async def find_ended(self, cursor: Cursor) -> Cycle:
        """
        Run the listing and the per-livestream fetches of one cycle; nothing is remembered until
        :meth:`commit`, so a cycle that fails half-way is simply done again.

        :param cursor: what has been reported.
        """
        cycle = Cycle(ended=[])
        livestreams = await self._list_livestreams(cycle)
        for livestream in livestreams:
            livestream_id = str(livestream["id"])
            fingerprint: Fingerprint = (livestream.get("updated_at"), livestream.get("status"))
            if self._has_changed(livestream_id, fingerprint, cursor):
                cycle.ended.extend(await self._ended_sessions_of(livestream_id, cursor, cycle))
            cycle.fingerprints[livestream_id] = fingerprint
        cycle.ended.sort(key=lambda ended: (ended.stopped_time, ended.session_id))
        return cycle

    def commit(self, cycle: Cycle) -> None:
        """
        Remember the livestreams as this cycle saw them (call once its sessions are all reported).

        :param cycle: the cycle returned by :meth:`find_ended`.
        """
        self._fingerprints.update(cycle.fingerprints)

    async def final_payload(self, ended: EndedSession) -> dict[str, Any]:
        """
        The session as the seed endpoint returns it now: the payload the event carries.

        :param ended: a session found by :meth:`find_ended`.
        """
        return await self._hook.get_livestream_session(ended.session_id)

    async def _list_livestreams(self, cycle: Cycle) -> list[dict[str, Any]]:
        app = self._hook.settings.app
        exclude_meetings = True if self._parameters.exclude_meetings else None
        pager = Pager(
            lambda page_no: app.livestreams(page_no=page_no, exclude_meetings=exclude_meetings),
            ("livestreams", "data", "livestream"),
        )
        wanted = self._parameters.livestream_ids
        found: list[dict[str, Any]] = []
        while (request := pager.next_request()) is not None:
            cycle.requests += 1
            for item in pager.accept(await self._hook.call(request)):
                if item.get("id") is not None and (wanted is None or str(item["id"]) in wanted):
                    found.append(item)
        return found

    def _has_changed(self, livestream_id: str, fingerprint: Fingerprint, cursor: Cursor) -> bool:
        known = self._fingerprints.get(livestream_id)
        if known is not None:
            return known != fingerprint
        # Not seen since this instance started: only a livestream updated at or after the cursor can
        # hold a session that stopped after it. An unreadable updated_at is fetched, to be safe.
        updated = epoch_seconds(fingerprint[0])
        return updated is None or updated >= cursor.stopped_time

    async def _ended_sessions_of(self, livestream_id: str, cursor: Cursor, cycle: Cycle) -> list[EndedSession]:
        app = self._hook.settings.app
        pager = Pager(lambda page_no: app.livestream(livestream_id, page_no=page_no), ("sessions", "session"))
        ended: list[EndedSession] = []
        while (request := pager.next_request()) is not None:
            cycle.requests += 1
            try:
                sessions = pager.accept(await self._hook.call(request))
            except RealtimeKitNotFoundError:
                return ended  # deleted since the listing: nothing of it can be reported any more
            reached_old_sessions = False
            for session in sessions:
                found = _ended(session, livestream_id)
                if found is None:
                    continue
                if cursor.is_new(found.stopped_time, found.session_id):
                    ended.append(found)
                elif found.stopped_time < cursor.stopped_time:
                    reached_old_sessions = True
            # Sessions come newest first and one livestream streams one session at a time, so once a
            # page reaches a session that stopped before the cursor, later pages hold only older ones.
            if reached_old_sessions:
                break
        return ended


def _ended(session: Mapping[str, Any], livestream_id: str) -> EndedSession | None:
    session_id = session.get("id")
    if session_id is None:
        return None
    try:
        state = session_state(session)
    except RealtimeKitInvalidResponseError as error:
        # One malformed session must not stop every other one from being reported, cycle after cycle.
        log.warning("Skipping a livestream session the watcher cannot read: %s", error)
        return None
    if not state.is_terminal():
        return None
    stopped = epoch_seconds(session.get("stopped_time"))
    if stopped is None:  # an errored session may have no stopped_time [U]
        stopped = epoch_seconds(session.get("updated_at"))
    if stopped is None:
        return None
    return EndedSession(
        session_id=str(session_id),
        livestream_id=str(session.get("livestream_id") or livestream_id),
        stopped_time=stopped,
        errored=state is SessionState.ERRORED,
    )


def epoch_seconds(value: object) -> float | None:
    """
    An API timestamp (ISO-8601, UTC) as epoch seconds; None for null, ``''``, ``'null'`` or garbage.

    :param value: the field's value.
    """
    if not isinstance(value, str) or not value.strip() or value.strip().lower() in ("null", "none"):
        return None
    try:
        parsed = pendulum.parse(value.strip(), strict=False)
    except ValueError:
        return None
    return parsed.timestamp() if isinstance(parsed, datetime) else None
