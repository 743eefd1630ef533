"""What to say when a request got no HTTP answer at all: refused, unresolvable host, TLS, dropped.

Both transports (requests in the hook, httpx in the trigger) wrap the operating system's error in two or
three layers of their own, which say little ("ConnectError: All connection attempts failed"). The cause
is found by walking the exception chain to the OS error, and the message names the host and port and
what to check.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.exceptions import RealtimeKitTransportError


def unreachable_error(request: ApiRequest, base_url: str, cause: BaseException) -> RealtimeKitTransportError:
    """
    The :class:`RealtimeKitTransportError` for a request that got no answer, saying what to check.

    :param request: the request that was sent.
    :param base_url: the API base URL it was sent to.
    :param cause: the transport's exception (its chain is walked; nothing of it is kept).
    """
    where = host_and_port(base_url)
    return RealtimeKitTransportError(
        f"Could not reach RealtimeKit for {request.describe()}: {_what_happened(cause, where, base_url)}"
    )


def host_and_port(base_url: str) -> str:
    """``HOST:PORT`` of a base URL, the scheme's default port filled in.

    :param base_url: an http:// or https:// URL.
    """
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or base_url
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _what_happened(cause: BaseException, where: str, base_url: str) -> str:
    errors = list(_chain(cause))
    if any(isinstance(error, ConnectionRefusedError) for error in errors):
        return (
            f"connection refused by {where}. Nothing accepts connections there: check that the server is "
            f"running (for the emulator, that it is still started) and that the connection's host ({base_url}) "
            "names the right host and port."
        )
    if any(isinstance(error, socket.gaierror) for error in errors):
        return (
            f"the host name in {where} could not be resolved. Check the spelling of the connection's host "
            f"({base_url}) and this machine's DNS and proxy settings."
        )
    if any(isinstance(error, ssl.SSLError) or "SSLError" in type(error).__name__ for error in errors):
        hint = (
            " If this server speaks plain HTTP, write http:// in the connection's host." if _is_https(base_url) else ""
        )
        return f"the TLS handshake with {where} failed.{hint}"
    if any(_is_dropped(error) for error in errors):
        return (
            f"{where} closed the connection without an answer. A proxy or load balancer may be dropping "
            "requests; a retry later usually succeeds."
        )
    return f"no answer from {where} ({type(cause).__name__}). Check the network, any proxy, and the connection's host."


def _is_dropped(error: BaseException) -> bool:
    # httpx says so with its own RemoteProtocolError, which carries no OS error.
    return isinstance(error, (ConnectionResetError, http.client.RemoteDisconnected)) or type(error).__name__ in (
        "RemoteProtocolError",
        "ProtocolError",
    )


def _is_https(base_url: str) -> bool:
    return base_url.startswith("https://")


def _chain(error: BaseException) -> Iterator[BaseException]:
    # requests, urllib3 and httpx each wrap the OS error; walk causes and contexts, and the `reason` that
    # urllib3 keeps instead of chaining, without looping on a cycle.
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nested in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(nested, BaseException):
                pending.append(nested)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
