"""The emulator's server thread: start, stop, the context manager, and the URLs it serves on.

uvicorn runs the ASGI app in a daemon thread on a socket bound before the thread starts, so ``port=0``
gets a free port that is known as soon as :meth:`EmulatorLifecycle.start` returns.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING

from airflow_provider_realtimekit.testing.routes import API_PREFIX

if TYPE_CHECKING:
    from typing_extensions import Self

    from airflow_provider_realtimekit.testing.app import EmulatorApp
    from airflow_provider_realtimekit.testing.server import EmulatorServer
    from airflow_provider_realtimekit.testing.state import AppIdentity


class EmulatorLifecycle:
    """Mixin of :class:`~.emulator.RealtimeKitEmulator`: the server thread and the served URLs."""

    host: str
    identity: AppIdentity
    app: EmulatorApp
    _requested_port: int
    _server: EmulatorServer | None
    _thread: threading.Thread | None
    _socket: socket.socket | None
    _bound_port: int | None

    def start(self, timeout: float = 5.0) -> Self:
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

    def __enter__(self) -> Self:
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
