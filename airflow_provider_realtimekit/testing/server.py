"""The uvicorn server that runs the emulator's ASGI app (imported only when an emulator starts).

Tests often patch ``asyncio.sleep`` to skip their own waits (``monkeypatch.setattr(module.asyncio,
"sleep", ...)`` replaces it for the whole process). uvicorn's main loop paces itself with
``asyncio.sleep``, so such a patch would make it spin without ever yielding and starve every request.
The server here paces itself with ``asyncio.tasks.sleep``, the original function, which that patch leaves
alone; the emulator's own waits (delay and slow-drip faults) use it too.
"""

from __future__ import annotations

import asyncio.tasks
import socket
from typing import Any

import uvicorn

real_sleep = asyncio.tasks.sleep

_TICK_SECONDS = 0.1  # uvicorn's on_tick expects ten ticks a second


class EmulatorServer(uvicorn.Server):
    """``uvicorn.Server`` whose main loop is immune to a patched ``asyncio.sleep``."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            await real_sleep(_TICK_SECONDS)
            should_exit = await self.on_tick(counter)


def build_server(app: Any) -> EmulatorServer:
    """Return a quiet server for ``app``: no access log, no lifespan, no websockets, no proxy headers.

    :param app: the ASGI application.
    """
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
        proxy_headers=False,
        server_header=False,
    )
    return EmulatorServer(config)


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening-ready TCP socket (port 0 picks a free one).

    :param host: the interface.
    :param port: the port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock
