"""The emulator's data model: the served app, livestreams, their sessions and the session lifecycle.

A session is live until its stop rule says otherwise:

* ``stops_after=None``: live forever;
* ``stops_after=<seconds>``: stops at ``started + seconds`` on the emulator clock;
* ``stops_after=Polls(n)``: answers live to its first ``n`` GETs of the seed endpoint (L5); the next GET
  stops it and sees it stopped, with ``stopped_time`` set to that GET's time;
* ``stopped=<instant>``: already finished.

``err_message`` becomes visible only once the session has stopped. A livestream is ``LIVE`` while one of
its sessions is live, else ``IDLE``; before it has any session it shows the status it was created with
(``IDLE`` by default; ``ERRORED``, ``INVOKED``, ``OFFLINE``... to model those).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

Instant = datetime | str | float

INGEST_SERVER = "rtmps://live.realtime.cloudflare.com:443/live/"
PLAYBACK_URL = "https://playback.realtime.cloudflare.com/{livestream_id}/manifest/video.m3u8"


@dataclass(frozen=True)
class AppIdentity:
    """The account and the RealtimeKit app the emulator serves.

    :param account_id: the Cloudflare account id (other ids answer Cloudflare's 7003 routing error).
    :param app_id: the RealtimeKit app id.
    :param name: the app name in the apps list.
    :param created: Unix seconds of the app's creation.
    """

    account_id: str
    app_id: str
    name: str
    created: float


@dataclass(frozen=True)
class Polls:
    """A stop rule counted in seed-endpoint GETs.

    :param live_polls: how many GETs of the session (L5) still see it live; the following GET stops it.
    """

    live_polls: int

    def __post_init__(self) -> None:
        if self.live_polls < 0:
            raise ValueError("Polls needs a count >= 0")


StopRule = float | int | Polls | None


@dataclass(slots=True)
class LivestreamSession:
    """One livestream session, with its stop rule resolved to a time or a poll budget.

    :param id: the livestream session id (the seed endpoint's path parameter).
    :param livestream_id: the parent livestream.
    :param started: Unix seconds.
    :param stop_at: Unix seconds at which it stops (or stopped); None while unknown.
    :param polls_left: for a ``Polls`` rule, the live GETs left; None otherwise.
    :param err_message: shown once stopped.
    :param ingest_seconds: as reported by the API.
    :param viewer_seconds: as reported by the API; may be fractional.
    :param invoked_time: Unix seconds or None (the API shows null for independent livestreams).
    """

    id: str
    livestream_id: str
    started: float
    stop_at: float | None
    polls_left: int | None
    err_message: str | None
    ingest_seconds: float
    viewer_seconds: float
    invoked_time: float | None = None

    def stopped_time(self, now: float) -> float | None:
        """Return when the session stopped, or None while it is live at ``now``.

        :param now: emulator time.
        """
        if self.stop_at is not None and self.stop_at <= now:
            return self.stop_at
        return None

    def is_live(self, now: float) -> bool:
        """Tell whether the session is live at ``now``.

        :param now: emulator time.
        """
        return self.stopped_time(now) is None

    def is_settled(self, now: float) -> bool:
        """Tell whether the session has stopped for good (the clock never goes back).

        :param now: emulator time.
        """
        return self.stopped_time(now) is not None

    def record_poll(self, now: float) -> None:
        """Count one GET of the seed endpoint; stops a ``Polls`` session once its budget is spent.

        :param now: emulator time of the GET.
        """
        if self.polls_left is None:
            return
        if self.polls_left == 0:
            self.stop_at = now
            self.polls_left = None
            return
        self.polls_left -= 1


@dataclass(slots=True)
class Livestream:
    """A livestream and its sessions (newest first once :meth:`sorted_sessions` has run).

    :param id: livestream id.
    :param name: display name or None.
    :param created: Unix seconds.
    :param initial_status: the status shown while the livestream has no session yet (None: ``IDLE``).
    :param meeting_id: the meeting it belongs to, None for an independent livestream.
    :param stream_key: a secret, as in the real API.
    """

    id: str
    name: str | None
    created: float
    initial_status: str | None
    meeting_id: str | None
    stream_key: str
    disabled: bool = False
    sessions: list[LivestreamSession] = field(default_factory=list)
    open_sessions: list[LivestreamSession] = field(default_factory=list)
    sessions_sorted: bool = True

    def add(self, session: LivestreamSession) -> None:
        """Attach a session.

        :param session: the new session.
        """
        self.sessions.append(session)
        self.open_sessions.append(session)
        self.sessions_sorted = False

    def sorted_sessions(self) -> list[LivestreamSession]:
        """Return the sessions, newest ``started`` first."""
        if not self.sessions_sorted:
            self.sessions.sort(key=lambda s: s.started, reverse=True)
            self.sessions_sorted = True
        return self.sessions

    def live_sessions(self, now: float) -> list[LivestreamSession]:
        """Return the sessions live at ``now``, newest first, dropping settled ones from the open list.

        :param now: emulator time.
        """
        self.open_sessions = [s for s in self.open_sessions if not s.is_settled(now)]
        return sorted(self.open_sessions, key=lambda s: s.started, reverse=True)

    def status(self, now: float) -> str:
        """Return ``LIVE`` while a session is live, else ``IDLE``; without sessions, the initial status.

        :param now: emulator time.
        """
        if not self.sessions:
            return self.initial_status or "IDLE"
        return "LIVE" if self.live_sessions(now) else "IDLE"

    def updated(self, now: float) -> float:
        """Return the last change: creation, or the newest session's start or stop.

        :param now: emulator time.
        """
        newest = self.sorted_sessions()[0] if self.sessions else None
        if newest is None:
            return self.created
        stopped = newest.stopped_time(now)
        return max(self.created, newest.started, stopped or 0.0)


def random_uuid4(rng: random.Random) -> str:
    """Return a version-4 UUID string drawn from ``rng`` (formatted directly: ``uuid.UUID`` is slow in bulk).

    :param rng: the generator.
    """
    digits = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"
