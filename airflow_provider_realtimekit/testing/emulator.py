"""``RealtimeKitEmulator``: the emulated API served by uvicorn on 127.0.0.1 in a background thread.

Typical use in a test::

    with RealtimeKitEmulator(token="test-token") as emu:
        livestream = emu.add_livestream(name="studio-a")
        session = emu.add_session(livestream["id"], stops_after=Polls(2))
        monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", emu.connection_json())
        ...

Every method is safe to call while the server thread is answering requests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import asdict, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from airflow_provider_realtimekit.testing.app import EmulatorApp
from airflow_provider_realtimekit.testing.auth import TokenOwner, TokenPolicy, TokenStatus
from airflow_provider_realtimekit.testing.clock import EmulatorClock, to_unix_seconds
from airflow_provider_realtimekit.testing.faults import Fault, FaultBook, FaultRule
from airflow_provider_realtimekit.testing.ratelimit import RateLimiter, RateLimitPolicy
from airflow_provider_realtimekit.testing.requestlog import RequestLog, RequestRecord
from airflow_provider_realtimekit.testing.routes import API_PREFIX
from airflow_provider_realtimekit.testing.seeding import seed_livestreams
from airflow_provider_realtimekit.testing.state import AppIdentity, Instant, LivestreamStore, StopRule
from airflow_provider_realtimekit.testing.variants import ShapeVariants
from airflow_provider_realtimekit.testing.views import livestream_view, session_view

if TYPE_CHECKING:
    from airflow_provider_realtimekit.testing.server import EmulatorServer

DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_APP_ID = "5f3c8a2e-demo-app"
DEFAULT_CONN_ID = "realtimekit_default"
_DEFAULT_RATE_LIMIT = RateLimitPolicy()


class RealtimeKitEmulator:
    """A stateful local RealtimeKit API for offline tests.

    :param token: the bearer token the emulator accepts.
    :param host: interface to bind (keep 127.0.0.1).
    :param port: TCP port; 0 picks a free one.
    :param account_id: the served account id.
    :param app_id: the served RealtimeKit app id.
    :param app_name: the app name in the apps list.
    :param token_owner: ``"account"``, ``"user"`` or ``"both"``: which token-verify endpoint accepts the token.
    :param token_status: ``"active"``, ``"disabled"`` or ``"expired"``.
    :param realtime_permission: False makes RealtimeKit routes answer 403.
    :param rate_limit: the per-token policy; None disables limiting (and the rate-limit headers).
    :param variants: response-shape variants; defaults to the shapes believed real.
    :param rng_seed: seeds generated ids and fault fractions.
    :param max_logged_requests: the request log keeps this many most recent records.

    Attributes that may be changed while serving: ``variants`` (:class:`ShapeVariants`) and ``tokens``
    (``owner``, ``status``, ``realtime_permission``). ``store`` holds the raw data (under ``store.lock``),
    ``clock`` the emulator time, and ``app`` is the plain ASGI application, should you want to serve it
    another way.
    """

    def __init__(
        self,
        token: str = "test-token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str = DEFAULT_ACCOUNT_ID,
        app_id: str = DEFAULT_APP_ID,
        app_name: str = "demo-app",
        token_owner: TokenOwner = "account",
        token_status: TokenStatus = "active",
        realtime_permission: bool = True,
        rate_limit: RateLimitPolicy | None = _DEFAULT_RATE_LIMIT,
        variants: ShapeVariants | None = None,
        rng_seed: int = 0,
        max_logged_requests: int = 100_000,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.clock = EmulatorClock()
        self.store = LivestreamStore(self.clock, rng_seed=rng_seed)
        self.identity = AppIdentity(account_id, app_id, app_name, created=self.clock.now() - 90 * 86400)
        self.tokens = TokenPolicy(token, token_owner, token_status, realtime_permission)
        self.variants = variants if variants is not None else ShapeVariants()
        self._initial = (replace(self.tokens), replace(self.variants), rate_limit)
        self._limiter = RateLimiter(rate_limit)
        self._faults = FaultBook(rng_seed)
        self._log = RequestLog(max_logged_requests)
        self.app = EmulatorApp(
            store=self.store,
            identity=self.identity,
            variants=self.variants,
            tokens=self.tokens,
            limiter=self._limiter,
            faults=self._faults,
            log=self._log,
        )
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._bound_port: int | None = None

    # Lifecycle of the server thread.

    def start(self, timeout: float = 5.0) -> RealtimeKitEmulator:
        """Bind the port and serve in a daemon thread; return once the server accepts connections.

        :param timeout: seconds to wait for the server to come up.
        """
        from airflow_provider_realtimekit.testing.server import bind_socket, build_server  # keeps imports light

        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        self._socket = bind_socket(self.host, self._requested_port)
        self._bound_port = int(self._socket.getsockname()[1])
        self._server = build_server(self.app)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="realtimekit-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the RealtimeKit emulator did not start")
            time.sleep(0.002)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, join the thread and release the port (idempotent); in-flight requests are cut off.

        :param timeout: seconds to wait for the thread.
        """
        if self._server is not None:
            # force_exit: do not wait for delayed or dripping fault responses still in flight.
            self._server.should_exit = self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> RealtimeKitEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port: the requested one before the first :meth:`start`, the last bound one after stop."""
        return self._requested_port if self._bound_port is None else self._bound_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/client/v4``: the API base URL to configure clients with."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def account_id(self) -> str:
        """The served account id."""
        return self.identity.account_id

    @property
    def app_id(self) -> str:
        """The served app id."""
        return self.identity.app_id

    @property
    def app_url(self) -> str:
        """``<base_url>/accounts/<account_id>/realtime/kit/<app_id>``: the prefix of the livestream routes."""
        return f"{self.base_url}/accounts/{self.account_id}/realtime/kit/{self.app_id}"

    # Airflow connection.

    def connection(self) -> dict[str, Any]:
        """Return the Airflow connection as a dict (``conn_type``, ``host``, ``password``, ``extra``)."""
        return {
            "conn_type": "realtimekit",
            "host": self.base_url,
            "password": self.tokens.token,
            "extra": {"account_id": self.account_id, "app_id": self.app_id},
        }

    def connection_json(self) -> str:
        """Return the connection as JSON, the value for an ``AIRFLOW_CONN_<ID>`` environment variable."""
        return json.dumps(self.connection())

    def connection_uri(self) -> str:
        """Return the connection in Airflow's URI format (``host`` keeps the ``http://`` base URL)."""
        authority = ":" + quote(self.tokens.token, safe="")
        host = quote(f"{self.host}:{self.port}{API_PREFIX}", safe="")
        extra = urlencode({"account_id": self.account_id, "app_id": self.app_id})
        return f"realtimekit://http://{authority}@{host}/?{extra}"

    def connection_env(self, conn_id: str = DEFAULT_CONN_ID) -> dict[str, str]:
        """Return ``{"AIRFLOW_CONN_<CONN_ID>": <connection JSON>}`` for ``monkeypatch.setenv`` or subprocesses.

        :param conn_id: the Airflow connection id.
        """
        return {f"AIRFLOW_CONN_{conn_id.upper()}": self.connection_json()}

    # Data.

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
            return livestream_view(livestream, self.clock.now())

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
            return livestream_view(self.store.livestreams[livestream_id], self.clock.now())

    def reset(self) -> None:
        """Return to the state right after construction, without restarting the server.

        Empties the data, the request log and the faults, restores the token settings, variants and
        rate-limit policy given to the constructor (counters reset) and puts the clock back to wall time.
        Handy for one emulator shared by many tests.
        """
        tokens, variants, rate_limit = self._initial
        with self.store.lock:
            self.store.clear()
            self.clock.reset()
        self._faults.clear()
        self._log.clear()
        self._limiter.policy = rate_limit
        self.variants.update(**asdict(variants))
        self.tokens.owner = tokens.owner
        self.tokens.status = tokens.status
        self.tokens.realtime_permission = tokens.realtime_permission

    # Time.

    def now(self) -> datetime:
        """The emulator clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc)

    def advance(self, seconds: float | timedelta) -> None:
        """Move the emulator clock forward (lifecycles and rate-limit windows follow it).

        :param seconds: seconds or a timedelta; not negative.
        """
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        self.clock.advance(seconds)

    # Observation and misbehaviour.

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._log.clear()

    def inject_fault(
        self, route: str, fault: Fault, *, times: int | None = None, fraction: float | None = None
    ) -> FaultRule:
        """Make requests to ``route`` misbehave; return the rule (its ``fired`` counts the hits).

        :param route: a route name (``"livestream_session"``, ``"livestream"``, ``"active_livestream_session"``,
            ``"livestreams"``, ``"analytics_overall"``, ``"analytics_daywise"``, ``"apps"``,
            ``"token_verify"``) or ``"*"``.
        :param fault: what happens, e.g. ``Fault.status(503, envelope="cloudflare")``.
        :param times: only the next ``times`` matching requests.
        :param fraction: each matching request with this probability (seeded by ``rng_seed``).
        """
        return self._faults.add(route, fault, times=times, fraction=fraction)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    @property
    def rate_limit(self) -> RateLimitPolicy | None:
        """The active rate-limit policy, or None."""
        return self._limiter.policy

    def set_rate_limit(
        self,
        quota: int | None,
        window: float = 300.0,
        *,
        lockout: bool = False,
        lockout_seconds: float | None = None,
    ) -> None:
        """Replace the rate-limit policy and reset all counters.

        :param quota: requests per window; None disables the limit.
        :param window: window seconds.
        :param lockout: block every route after the first refusal, Cloudflare style.
        :param lockout_seconds: block length; default ``window``.
        """
        policy = None if quota is None else RateLimitPolicy(quota, window, lockout, lockout_seconds)
        self._limiter.policy = policy

    def set_variants(self, **changes: Any) -> None:
        """Switch response-shape variants (see :class:`ShapeVariants`).

        :param changes: variant names and values, e.g. ``paging_location="data"``.
        """
        self.variants.update(**changes)
