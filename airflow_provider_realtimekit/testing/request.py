"""What the emulator knows about one request: the parsed ASGI scope, and the gateway's admission."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from airflow_provider_realtimekit.testing.auth import TokenCheck, TokenPolicy
from airflow_provider_realtimekit.testing.faults import Fault
from airflow_provider_realtimekit.testing.routes import Route, match_route


@dataclass
class IncomingRequest:
    """What the pipeline knows about a request.

    :param method: HTTP method.
    :param path: URL path.
    :param query: query parameters.
    :param route: the matched route, or None.
    :param params: path parameters.
    :param token: the result of the bearer-token check.
    :param arrived: emulator time of arrival.
    :param body: the request body (read only for control routes; empty otherwise).
    """

    method: str
    path: str
    query: dict[str, str]
    route: Route | None
    params: dict[str, str]
    token: TokenCheck
    arrived: float
    body: bytes = b""


@dataclass
class Admission:
    """A request admitted past the gateway, with the fault to apply and the headers to add.

    :param fault: the injected fault, or None.
    :param headers: rate-limit headers.
    """

    fault: Fault | None
    headers: list[tuple[bytes, bytes]]


def read_request(scope: dict[str, Any], tokens: TokenPolicy, arrived: float) -> IncomingRequest:
    """Parse an ASGI HTTP scope (the body is read separately, see :func:`read_body`).

    :param scope: the ASGI scope.
    :param tokens: checks the ``Authorization`` header.
    :param arrived: emulator time of arrival.
    """
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
            break
    path: str = scope["path"]
    matched = match_route(path)
    route, params = matched if matched is not None else (None, {})
    return IncomingRequest(
        method=scope["method"],
        path=path,
        query=dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)),
        route=route,
        params=params,
        token=tokens.check(authorization),
        arrived=arrived,
    )


async def read_body(receive: Callable[[], Any], limit: int = 1 << 20) -> bytes:
    """Read a whole request body (at most ``limit`` bytes are kept).

    :param receive: the ASGI receive callable.
    :param limit: the largest body kept; control requests are tiny.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
