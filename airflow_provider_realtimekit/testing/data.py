"""The emulator's data as tests drive it: add livestreams, sessions, bulk history and live fleets; end
sessions; read back what the API would show. Every method takes the store lock, so it is safe while serving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_realtimekit.testing.clock import to_unix_seconds
from airflow_provider_realtimekit.testing.fleet import add_live_fleet
from airflow_provider_realtimekit.testing.seeding import seed_livestreams
from airflow_provider_realtimekit.testing.state import Instant, StopRule
from airflow_provider_realtimekit.testing.views import livestream_view, session_view

if TYPE_CHECKING:
    from airflow_provider_realtimekit.testing.clock import EmulatorClock
    from airflow_provider_realtimekit.testing.state import LivestreamStore
    from airflow_provider_realtimekit.testing.variants import ShapeVariants


class EmulatorData:
    """Mixin of :class:`~.emulator.RealtimeKitEmulator`: the livestreams and sessions it serves."""

    store: LivestreamStore
    clock: EmulatorClock
    variants: ShapeVariants

    def add_livestream(
        self,
        name: str | None = None,
        *,
        status: str | None = None,
        id: str | None = None,
        created: Instant | None = None,
        meeting_id: str | None = None,
        disabled: bool = False,
    ) -> dict[str, Any]:
        """Create a livestream and return it as the API renders it.

        :param name: display name.
        :param status: the status shown until the livestream has a session (``"ERRORED"``, ``"OFFLINE"``...,
            default ``"IDLE"``); from its first session on it is derived: LIVE while a session is live, else IDLE.
        :param id: the id; generated when None.
        :param created: creation instant (datetime, ISO string or Unix seconds); default now.
        :param meeting_id: makes it a meeting's livestream.
        :param disabled: the ``disabled`` flag.
        """
        with self.store.lock:
            livestream = self.store.add_livestream(
                name=name, status=status, id=id, created=created, meeting_id=meeting_id, disabled=disabled
            )
            return livestream_view(livestream, self.clock.now(), self.variants)

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
    ) -> dict[str, Any]:
        """Create a livestream session and return it as the seed endpoint would (without counting a poll).

        :param livestream_id: the parent livestream.
        :param started: start instant (datetime, ISO string or Unix seconds); default now.
        :param stops_after: None (live until the test ends), seconds after ``started``, or ``Polls(n)``
            (live for the next ``n`` GETs of the seed endpoint, stopped from the one after).
        :param stopped: stop instant of an already finished session.
        :param err_message: error text, shown once the session has stopped.
        :param ingest_seconds: reported ingest seconds.
        :param viewer_seconds: reported viewer seconds (fractions allowed).
        :param id: the session id; generated when None.
        :param invoked_time: shown as ``invoked_time``; null when None.
        """
        with self.store.lock:
            session = self.store.add_session(
                livestream_id,
                started=started,
                stops_after=stops_after,
                stopped=stopped,
                err_message=err_message,
                ingest_seconds=ingest_seconds,
                viewer_seconds=viewer_seconds,
                id=id,
                invoked_time=invoked_time,
            )
            return session_view(session, self.clock.now(), self.variants)

    def seed(
        self,
        n_livestreams: int = 10,
        sessions_each: int = 100,
        *,
        start: Instant | None = None,
        end: Instant | None = None,
        rng_seed: int = 0,
    ) -> list[str]:
        """Add realistic finished sessions in bulk (see :mod:`.seeding`); return the new livestream ids.

        :param n_livestreams: livestreams to create.
        :param sessions_each: sessions per livestream.
        :param start: earliest session start; default 30 days before ``end``.
        :param end: latest session stop; default now.
        :param rng_seed: the same seed, start and end give the same data.
        """
        end_s = self.clock.now() if end is None else to_unix_seconds(end)
        start_s = end_s - 30 * 86400 if start is None else to_unix_seconds(start)
        with self.store.lock:
            return seed_livestreams(
                self.store,
                n_livestreams=n_livestreams,
                sessions_each=sessions_each,
                start=start_s,
                end=end_s,
                rng_seed=rng_seed,
            )

    def end_session(self, session_id: str, at: Instant | None = None) -> dict[str, Any]:
        """Stop a live session now (or at ``at``) and return it as the seed endpoint shows it then.

        Signature: ``end_session(session_id: str, at: datetime | str | float | None = None) -> dict``.
        Safe while serving: the next GET of the session, its livestream or the livestream list sees it.

        :param session_id: the livestream session id.
        :param at: the stop instant (datetime, ISO string or Unix seconds); default now on the emulator
            clock; a future instant schedules the stop; never before the session's start.
        :raises KeyError: for an unknown session id.
        :raises ValueError: when the session has already stopped.
        """
        with self.store.lock:
            stop_at = None if at is None else to_unix_seconds(at)
            session = self.store.end_session(session_id, stop_at)
            return session_view(session, self.clock.now(), self.variants)

    def add_live_fleet(self, n: int, *, stop_spread: float | None = 300.0, seed: int = 0) -> list[dict[str, Any]]:
        """Add ``n`` livestreams with one live session each, stopping at random moments (see :mod:`.fleet`).

        Signature: ``add_live_fleet(n: int, *, stop_spread: float | None = 300.0, seed: int = 0) -> list[dict]``;
        each item is the session as the seed endpoint shows it (with ``livestream_id``). Safe while serving.

        :param n: how many livestreams and live sessions.
        :param stop_spread: each session stops within this many seconds from now (uniformly drawn);
            None keeps them live until :meth:`end_session`.
        :param seed: the same seed on the same data gives the same ids and stop offsets.
        """
        with self.store.lock:
            members = add_live_fleet(self.store, n, stop_spread=stop_spread, seed=seed)
            now = self.clock.now()
            return [session_view(member.session, now, self.variants) for member in members]

    def session(self, session_id: str) -> dict[str, Any]:
        """Return a session as the seed endpoint would now, without counting a poll.

        :param session_id: the livestream session id.
        :raises KeyError: for an unknown id.
        """
        with self.store.lock:
            return session_view(self.store.sessions[session_id], self.clock.now(), self.variants)

    def livestream(self, livestream_id: str) -> dict[str, Any]:
        """Return a livestream as the API would now.

        :param livestream_id: the livestream id.
        :raises KeyError: for an unknown id.
        """
        with self.store.lock:
            return livestream_view(self.store.livestreams[livestream_id], self.clock.now(), self.variants)
