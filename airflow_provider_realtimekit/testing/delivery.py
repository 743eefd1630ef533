"""Writing replies to the ASGI ``send`` channel: whole, trickled, or not at all (a dropped connection)."""

from __future__ import annotations

import asyncio.tasks
from collections.abc import Awaitable, Callable
from typing import Any

from airflow_provider_realtimekit.testing.envelopes import Reply

Send = Callable[[dict[str, Any]], Awaitable[None]]

_DRIP_PIECES = 10


def _start_message(reply: Reply) -> dict[str, Any]:
    headers = [
        (b"content-type", reply.content_type),
        (b"content-length", str(len(reply.body)).encode()),
        *reply.headers,
    ]
    return {"type": "http.response.start", "status": reply.status, "headers": headers}


async def send_reply(send: Send, reply: Reply) -> None:
    """Send a reply in one piece.

    :param send: the ASGI send callable.
    :param reply: the reply.
    """
    await send(_start_message(reply))
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})


async def send_reply_slowly(send: Send, reply: Reply, total_seconds: float) -> None:
    """Send the headers at once, then the body in pieces spread over ``total_seconds``.

    :param send: the ASGI send callable.
    :param reply: the reply.
    :param total_seconds: time from the headers to the last byte.
    """
    await send(_start_message(reply))
    body = reply.body
    piece = max(1, -(-len(body) // _DRIP_PIECES))
    chunks = [body[i : i + piece] for i in range(0, len(body), piece)] or [b""]
    pause = total_seconds / len(chunks)
    for index, chunk in enumerate(chunks):
        await asyncio.tasks.sleep(pause)
        more = index < len(chunks) - 1
        await send({"type": "http.response.body", "body": chunk, "more_body": more})


async def drop_connection(send: Send) -> None:
    """Close the client connection without sending a response.

    Under uvicorn the ``send`` callable is a method of the request cycle, which holds the transport; closing
    it makes the client see the connection end before any status line (``RemoteDisconnected`` /
    ``RemoteProtocolError``), and uvicorn then marks the cycle disconnected instead of answering 500. Under
    another server, the headers are sent and the body is cut off by raising, which servers answer by
    closing the connection.

    :param send: the ASGI send callable.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        raise ConnectionAbortedError("emulator fault: connection dropped")
    transport.close()
    for _ in range(100):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.tasks.sleep(0.001)
