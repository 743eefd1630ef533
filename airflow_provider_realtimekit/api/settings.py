"""Everything a client needs from a ``realtimekit`` connection, read and checked once.

Both hooks build their :class:`ClientSettings` here, from the connection they fetched (synchronously in
a task, with ``aget_connection`` in the triggerer), so both read the same fields the same way and fail
with the same messages.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import unquote, urlsplit

from airflow_provider_realtimekit.api.connection_names import capitalized, describe_connection
from airflow_provider_realtimekit.api.endpoints import ApiRequest, RealtimeKitApp
from airflow_provider_realtimekit.api.rate_limits import DEFAULT_QUOTA, DEFAULT_RESERVE, DEFAULT_WINDOW, BudgetLimits
from airflow_provider_realtimekit.api.responses import ApiResponse
from airflow_provider_realtimekit.api.retry import RetryPolicy
from airflow_provider_realtimekit.api.unreachable import unreachable_error
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError, RealtimeKitTransportError

if TYPE_CHECKING:
    from airflow.sdk import Connection

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
_CLOUDFLARE_API_HOST = "api.cloudflare.com"
_CLOUDFLARE_API_PATH = "/client/v4"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0


@dataclass(frozen=True)
class ClientOverrides:
    """
    Values passed to a hook's constructor; they win over the connection's extras.

    :param timeout: one number for both timeouts, or a ``(connect, read)`` pair, in seconds.
    :param max_attempts: attempts per request, the first included.
    :param retry_after_cap: the longest ``Retry-After`` honoured, in seconds.
    """

    timeout: float | tuple[float, float] | None = None
    max_attempts: int | None = None
    retry_after_cap: float | None = None


@dataclass(frozen=True)
class ClientSettings:
    """
    A checked view of one connection.

    :param conn_id: the connection id, for messages.
    :param base_url: the API base URL, without a trailing slash.
    :param token: the API token. Kept out of ``repr``.
    :param app: the account and app the calls are made for.
    :param connect_timeout: seconds to wait for a TCP/TLS connection.
    :param read_timeout: seconds to wait for the answer. Both transports also abandon an attempt whose
        whole answer has not arrived within ``connect_timeout + read_timeout`` (see :attr:`attempt_timeout`),
        so a server that trickles its body cannot hold a task.
    :param retry: the retry policy (connection extras ``max_attempts``, ``retry_after_cap`` and
        ``backoff_initial``, the first back-off delay in seconds, default 0.5).
    :param budget: the token's rate budget when the server sends no rate-limit headers, and the share kept
        for the token's other users (extras ``rate_limit_quota``, ``rate_limit_window``, ``rate_limit_reserve``).
    :param label: how messages name the connection (see :mod:`.connection_names`); empty: by its id.
    """

    conn_id: str
    base_url: str
    token: str = field(repr=False)
    app: RealtimeKitApp
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    budget: BudgetLimits = field(default_factory=BudgetLimits)
    label: str = field(default="", compare=False)

    @classmethod
    def from_connection(
        cls, conn: Connection, overrides: ClientOverrides | None = None, *, testing: bool = False
    ) -> ClientSettings:
        """
        Read and check a connection; raise :class:`RealtimeKitConfigError` naming the bad field.

        :param conn: the Airflow connection.
        :param overrides: constructor arguments of the hook, which win over the connection's extras.
        :param testing: True inside the hook's ``test_connection()``: a connection id the Test button made up
            is then not named in messages (see :mod:`.connection_names`).
        """
        conn_id = conn.conn_id or "<unnamed>"
        label = describe_connection(conn.conn_id, testing=testing)
        extra = _extra_of(conn, label)
        token = _token_of(conn, label)
        account_id = _required_extra(extra, "account_id", label)
        app_id = _required_extra(extra, "app_id", label)
        try:
            app = RealtimeKitApp(account_id=account_id, app_id=app_id)
        except RealtimeKitConfigError as error:  # a malformed id: say which connection holds it
            raise RealtimeKitConfigError(f"{capitalized(label)}: {error}") from None
        connect_timeout, read_timeout = _timeouts(extra, overrides, label)
        overrides = overrides or ClientOverrides()
        retry = RetryPolicy(
            max_attempts=_int_setting(extra, "max_attempts", overrides.max_attempts, 4, label),
            retry_after_cap=_float_setting(extra, "retry_after_cap", overrides.retry_after_cap, 60.0, label),
            backoff_initial=_float_setting(extra, "backoff_initial", None, 0.5, label),
        )
        return cls(
            conn_id=conn_id,
            base_url=base_url_of(conn, label),
            token=token,
            app=app,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retry=retry,
            budget=_budget(extra, label),
            label=label,
        )

    @property
    def attempt_timeout(self) -> float:
        """Seconds one attempt may take in all, from connecting to the last byte of the answer."""
        return self.connect_timeout + self.read_timeout

    def describe(self, request: ApiRequest) -> str:
        """A request and the connection it goes through, for messages."""
        return f"{request.describe()} ({self.label or describe_connection(self.conn_id)})"

    def timeout_error(self, request: ApiRequest) -> RealtimeKitTransportError:
        """The error for a request that got no answer in time (both transports raise it)."""
        return RealtimeKitTransportError(
            f"RealtimeKit did not answer {request.describe()} within the timeout "
            f"(connect {self.connect_timeout:g} s, read {self.read_timeout:g} s, "
            f"{self.attempt_timeout:g} s for the whole answer)."
        )

    def unreachable_error(self, request: ApiRequest, cause: BaseException) -> RealtimeKitTransportError:
        """The error for a request that got no answer at all: refused, unresolvable, TLS, dropped."""
        return unreachable_error(request, self.base_url, cause)

    def received(self, status: int, headers: Mapping[str, str], body: bytes) -> ApiResponse:
        """
        The :class:`ApiResponse` both transports hand to the protocol, with the token scrubbed from the
        body: a misbehaving proxy or echo page must not carry it into an exception message.

        :param status: the HTTP status.
        :param headers: the response headers.
        :param body: the raw body.
        """
        secret = self.token.encode()
        if secret in body:
            body = body.replace(secret, b"***")
        return ApiResponse(status, headers, body, self.base_url)

    @property
    def authorization(self) -> dict[str, str]:
        """The only place the token is used: the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


def base_url_of(conn: Connection, label: str | None = None) -> str:
    """
    The API base URL of a connection: ``host`` when set (a full URL, or a bare host name for https),
    else Cloudflare's.

    :param conn: the Airflow connection.
    :param label: how messages name the connection (default: by its id).
    """
    host = (conn.host or "").strip()
    if not host:
        return DEFAULT_BASE_URL
    if "://" not in host:
        port = f":{conn.port}" if conn.port else ""
        schema = f"/{conn.schema.strip('/')}" if conn.schema else ""
        host = f"https://{host}{port}{schema}"
    where = f"The 'API base URL' (host) of {label or describe_connection(conn.conn_id)}"
    try:
        parts = urlsplit(host)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number in 0-65535)
    except ValueError:
        raise RealtimeKitConfigError(f"{where} is not a valid URL (check the brackets and the port).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RealtimeKitConfigError(
            f"{where} must start with http:// or https:// and name a host, e.g. {DEFAULT_BASE_URL}."
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise RealtimeKitConfigError(f"{where} must not contain credentials, a query or a fragment.")
    # Dot segments, also percent-encoded ('%2e%2e'), would let the path climb out of the base URL.
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")) or any(c.isspace() for c in host):
        raise RealtimeKitConfigError(f"{where} must not contain '.' or '..' path segments or whitespace.")
    # Cloudflare's API lives under /client/v4 only; without it every call is a 404 that reads as bad ids.
    if parts.hostname == _CLOUDFLARE_API_HOST and parts.path.rstrip("/") != _CLOUDFLARE_API_PATH:
        raise RealtimeKitConfigError(
            f"{where} points at {_CLOUDFLARE_API_HOST} without its API path {_CLOUDFLARE_API_PATH}: use "
            f"{DEFAULT_BASE_URL}, or leave the host empty."
        )
    if conn.port and parts.port is None:
        host = f"{parts.scheme}://{parts.hostname}:{conn.port}{parts.path}"
    return host.rstrip("/")


def _extra_of(conn: Connection, label: str) -> Mapping[str, Any]:
    try:
        extra = conn.extra_dejson
    except Exception:  # a malformed extra string; Airflow logs its own details
        extra = None
    if not isinstance(extra, Mapping):
        raise RealtimeKitConfigError(f"The extra of {label} must be a JSON object with account_id and app_id.")
    return extra


def _token_of(conn: Connection, label: str) -> str:
    token = conn.password
    if not isinstance(token, str) or not token.strip():
        raise RealtimeKitConfigError(
            f"{capitalized(label)} has no API token: set its password (the 'API token' field in the UI) "
            "to a Cloudflare API token with the 'Realtime' or 'Realtime Admin' permission."
        )
    if token != token.strip() or any(c.isspace() or ord(c) < 32 for c in token):
        # Never echo the value: it is a secret, even when malformed.
        raise RealtimeKitConfigError(
            f"The API token of {label} contains whitespace or control characters; "
            "paste the token again without surrounding spaces or line breaks."
        )
    return token


def _required_extra(extra: Mapping[str, Any], name: str, label: str) -> str:
    value = extra.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RealtimeKitConfigError(
            f"{capitalized(label)} has no {name}: set its '{_LABELS[name]}' field (extra {name!r}). "
            "Both ids are shown in the Cloudflare dashboard under Realtime > RealtimeKit."
        )
    if not isinstance(value, str):
        raise RealtimeKitConfigError(f"The {name} of {label} must be a string, got {type(value).__name__}.")
    return value.strip()


_LABELS = {"account_id": "Account ID", "app_id": "App ID"}


def _timeouts(extra: Mapping[str, Any], overrides: ClientOverrides | None, label: str) -> tuple[float, float]:
    timeout = overrides.timeout if overrides else None
    if isinstance(timeout, tuple):
        connect, read = timeout
        return _positive("timeout[0]", connect, label), _positive("timeout[1]", read, label)
    if timeout is not None:
        value = _positive("timeout", timeout, label)
        return value, value
    connect = _float_setting(extra, "connect_timeout", None, DEFAULT_CONNECT_TIMEOUT, label)
    read = _float_setting(extra, "read_timeout", None, DEFAULT_READ_TIMEOUT, label)
    return _positive("connect_timeout", connect, label), _positive("read_timeout", read, label)


def _budget(extra: Mapping[str, Any], label: str) -> BudgetLimits:
    quota = _int_setting(extra, "rate_limit_quota", None, DEFAULT_QUOTA, label)
    window = _positive(
        "rate_limit_window", _float_setting(extra, "rate_limit_window", None, DEFAULT_WINDOW, label), label
    )
    reserve = _float_setting(extra, "rate_limit_reserve", None, DEFAULT_RESERVE, label)
    if reserve >= 1:
        raise RealtimeKitConfigError(
            f"rate_limit_reserve ({label}) is the fraction of the quota kept for the token's other "
            f"users: a number from 0 to less than 1 (0.1 keeps 10%), got {reserve!r}."
        )
    limits = BudgetLimits(quota=quota, window=window, reserve=reserve)
    return limits


def _float_setting(extra: Mapping[str, Any], name: str, override: float | None, default: float, label: str) -> float:
    value = override if override is not None else extra.get(name, default)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if not _is_finite_number(value) or value < 0:
        raise RealtimeKitConfigError(f"{name} ({label}) must be a number >= 0, got {value!r}.")
    return float(value)


def _int_setting(extra: Mapping[str, Any], name: str, override: int | None, default: int, label: str) -> int:
    value = override if override is not None else extra.get(name, default)
    if isinstance(value, str) and value.strip().isdecimal():  # not isdigit(): int('²') raises
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RealtimeKitConfigError(f"{name} ({label}) must be an integer >= 1, got {value!r}.")
    return value


def _positive(name: str, value: object, label: str) -> float:
    if not _is_finite_number(value) or value <= 0:
        raise RealtimeKitConfigError(f"{name} ({label}) must be a number > 0, got {value!r}.")
    return float(value)


def _is_finite_number(value: object) -> TypeGuard[float]:
    # NaN passes every '< 0' check and inf makes a sleep or a socket timeout fail: refuse both.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
