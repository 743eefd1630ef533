"""``RealtimeKitEmulator``: the emulated API served by uvicorn on 127.0.0.1 in a background thread.

Typical use in a test::

    with RealtimeKitEmulator(token="test-token") as emu:
        livestream = emu.add_livestream(name="studio-a")
        session = emu.add_session(livestream["id"], stops_after=Polls(2))
        monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", emu.connection_json())
        ...

Every method is safe to call while the server thread is answering requests. The class is assembled from
one mixin per concern: :mod:`.lifecycle` (server thread, URLs), :mod:`.connection` (the Airflow
connection), :mod:`.data` (livestreams, sessions, fleets) and :mod:`.switches` (clock, request log, faults,
rate limit, variants).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from airflow_provider_realtimekit.testing.app import EmulatorApp
from airflow_provider_realtimekit.testing.auth import TokenOwner, TokenPolicy, TokenStatus
from airflow_provider_realtimekit.testing.clock import EmulatorClock
from airflow_provider_realtimekit.testing.connection import ConnectionHelpers
from airflow_provider_realtimekit.testing.data import EmulatorData
from airflow_provider_realtimekit.testing.faults import FaultBook
from airflow_provider_realtimekit.testing.ratelimit import RateLimiter, RateLimitPolicy
from airflow_provider_realtimekit.testing.requestlog import RequestLog
from airflow_provider_realtimekit.testing.state import AppIdentity, LivestreamStore
from airflow_provider_realtimekit.testing.switches import EmulatorSwitches
from airflow_provider_realtimekit.testing.variants import ShapeVariants

if TYPE_CHECKING:
    from airflow_provider_realtimekit.testing.server import EmulatorServer

DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_APP_ID = "5f3c8a2e-demo-app"
_DEFAULT_RATE_LIMIT = RateLimitPolicy()


class RealtimeKitEmulator(ConnectionHelpers, EmulatorData, EmulatorSwitches):
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
