"""The emulator's in-memory store: livestreams and sessions keyed by id, and how they are added and ended.

The store does no locking itself: callers hold :attr:`LivestreamStore.lock` around every access. The data
model (sessions, livestreams, stop rules) lives in :mod:`.model` and is re-exported here.
"""

from __future__ import annotations

import random
import threading

from airflow_provider_realtimekit.testing.clock import EmulatorClock, to_unix_seconds
from airflow_provider_realtimekit.testing.model import (
    INGEST_SERVER,
    PLAYBACK_URL,
    AppIdentity,
    Instant,
    Livestream,
    LivestreamSession,
    Polls,
    StopRule,
    random_uuid4,
)

__all__ = [
    "INGEST_SERVER",
    "PLAYBACK_URL",
    "AppIdentity",
    "Instant",
    "Livestream",
    "LivestreamSession",
    "LivestreamStore",
    "Polls",
    "StopRule",
    "random_uuid4",
]


class LivestreamStore:
    """Livestreams and sessions of one RealtimeKit app, keyed by id.

    :param clock: the emulator clock.
    :param rng_seed: seeds the generator of ids and stream keys, so runs are reproducible.
    """

    def __init__(self, clock: EmulatorClock, rng_seed: int = 0) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.livestreams: dict[str, Livestream] = {}
        self.sessions: dict[str, LivestreamSession] = {}
        self._rng_seed = rng_seed
        self._rng = random.Random(rng_seed)

    def clear(self) -> None:
        """Forget every livestream and session and restart the id generator."""
        self.livestreams.clear()
        self.sessions.clear()
        self._rng = random.Random(self._rng_seed)

    def new_id(self) -> str:
        """Return a fresh UUID4 string from the store's seeded generator."""
        return random_uuid4(self._rng)

    def add_livestream(
        self,
        *,
        name: str | None = None,
        status: str | None = None,
        id: str | None = None,
        created: Instant | None = None,
        meeting_id: str | None = None,
        disabled: bool = False,
    ) -> Livestream:
        """Create a livestream.

        :param name: display name.
        :param status: the status shown until the livestream has a session (for example ``"ERRORED"``);
            from its first session on, the status is derived: LIVE while a session is live, else IDLE.
        :param id: the id to use; generated when None.
        :param created: creation instant; defaults to now on the emulator clock.
        :param meeting_id: set to model a meeting's livestream (hidden by ``exclude_meetings=true``).
        :param disabled: the ``disabled`` flag.
        """
        livestream_id = id or self.new_id()
        if livestream_id in self.livestreams:
            raise ValueError(f"livestream {livestream_id!r} already exists")
        livestream = Livestream(
            id=livestream_id,
            name=name,
            created=self.clock.now() if created is None else to_unix_seconds(created),
            initial_status=status,
            meeting_id=meeting_id,
            stream_key=f"{self._rng.getrandbits(128):032x}",
            disabled=disabled,
        )
        self.livestreams[livestream_id] = livestream
        return livestream

    def add_session(
        self,
        livestream_id: str,
        *,
        started: Instant | None = None,
        stops_after: StopRule = None,
        stopped: Instant | None = None,
        err_message: str | None = None,
        ingest_seconds: float = 60,
        viewer_seconds: float = 116.5,
        id: str | None = None,
        invoked_time: Instant | None = None,
    ) -> LivestreamSession:
        """Create a session of an existing livestream.

        :param livestream_id: the parent livestream.
        :param started: start instant; defaults to now on the emulator clock.
        :param stops_after: the stop rule (see the module docstring).
        :param stopped: the stop instant of an already finished session (excludes ``stops_after``).
        :param err_message: error text, visible once stopped.
        :param ingest_seconds: reported ingest seconds.
        :param viewer_seconds: reported viewer seconds.
        :param id: the id to use; generated when None.
        :param invoked_time: shown as ``invoked_time``; null when None.
        """
        livestream = self.livestreams.get(livestream_id)
        if livestream is None:
            raise KeyError(f"unknown livestream {livestream_id!r}")
        if stopped is not None and stops_after is not None:
            raise ValueError("give either stops_after or stopped, not both")
        session_id = id or self.new_id()
        if session_id in self.sessions:
            raise ValueError(f"session {session_id!r} already exists")
        start = self.clock.now() if started is None else to_unix_seconds(started)
        stop_at, polls_left = _resolve_stop(start, stops_after, stopped)
        session = LivestreamSession(
            id=session_id,
            livestream_id=livestream_id,
            started=start,
            stop_at=stop_at,
            polls_left=polls_left,
            err_message=err_message,
            ingest_seconds=ingest_seconds,
            viewer_seconds=viewer_seconds,
            invoked_time=None if invoked_time is None else to_unix_seconds(invoked_time),
        )
        self.sessions[session_id] = session
        livestream.add(session)
        return session

    def end_session(self, session_id: str, at: float | None = None) -> LivestreamSession:
        """Stop a session that is still live (its stop rule is replaced by a fixed stop time).

        :param session_id: the livestream session id.
        :param at: Unix seconds of the stop; default now on the emulator clock. A future instant schedules
            the stop; it may not be before the session's start.
        :raises KeyError: for an unknown session id.
        :raises ValueError: when the session has already stopped, or ``at`` is before its start.
        """
        session = self.sessions.get(session_id)
        if session is None:
            raise KeyError(f"unknown livestream session {session_id!r}")
        now = self.clock.now()
        if session.is_settled(now):
            raise ValueError(f"livestream session {session_id!r} has already stopped")
        stop_at = now if at is None else at
        if stop_at < session.started:
            raise ValueError(f"a session cannot stop before its start ({session_id!r})")
        session.stop_at, session.polls_left = stop_at, None
        return session


def _resolve_stop(start: float, stops_after: StopRule, stopped: Instant | None) -> tuple[float | None, int | None]:
    if stopped is not None:
        return to_unix_seconds(stopped), None
    if stops_after is None:
        return None, None
    if isinstance(stops_after, Polls):
        return None, stops_after.live_polls
    if stops_after < 0:
        raise ValueError("stops_after must be >= 0 seconds")
    return start + float(stops_after), None
