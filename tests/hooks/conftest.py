"""Fixtures for the hook tests: a real HTTP server on 127.0.0.1, connections that point at it, instant retries."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_realtimekit.api import retry
from tests.conftest import TOKEN

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
APP_ID = "app-7f3c2a91"
BASE_PATH = "/client/v4"
ACCOUNT_PATH = f"{BASE_PATH}/accounts/{ACCOUNT_ID}"
APP_PATH = f"{ACCOUNT_PATH}/realtime/kit/{APP_ID}"
CONN_ID = "rtk_test"

_UNSET: Any = object()


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1 (not 'localhost', which may resolve to ::1)."""
    return ("127.0.0.1", 0)


ConnFactory = Callable[..., str]


@pytest.fixture
def make_conn(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> ConnFactory:
    """
    Define a ``realtimekit`` connection through ``AIRFLOW_CONN_<ID>``; return its id.

    Every field defaults to a working connection to ``httpserver``; pass a field to change it, or
    ``None`` to leave it out. ``extra`` may be a dict or a raw string; more fields (port, schema) via kwargs.
    """

    def make(
        conn_id: str = CONN_ID,
        *,
        host: Any = _UNSET,
        password: Any = TOKEN,
        extra: Any = _UNSET,
        **more: Any,
    ) -> str:
        fields: dict[str, Any] = {
            "conn_type": "realtimekit",
            "host": httpserver.url_for(BASE_PATH) if host is _UNSET else host,
            "password": password,
            "extra": {"account_id": ACCOUNT_ID, "app_id": APP_ID} if extra is _UNSET else extra,
            **more,
        }
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({k: v for k, v in fields.items() if v is not None})
        )
        return conn_id

    return make


@pytest.fixture
def conn_id(make_conn: ConnFactory) -> str:
    """A working connection to ``httpserver``."""
    return make_conn()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """
    Make retries instant and record the delays the retry loop asked for.

    ``run_sync``/``run_async`` take ``sleep=`` and the hooks use its default, which Python bound when the
    function was defined; so the default itself is swapped (patching ``time.sleep`` would not reach it).
    """
    delays: list[float] = []

    async def record_async(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(retry.run_sync, "__defaults__", (delays.append,))
    monkeypatch.setattr(retry.run_async, "__defaults__", (record_async,))
    return delays


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def slow_server() -> Iterator[HTTPServer]:
    """
    A threaded server of its own whose every answer takes up to 5 s (released at teardown).

    Separate from ``httpserver`` so that handlers still sleeping after a client timeout can never
    answer into another test's request log.
    """
    release = threading.Event()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response(json.dumps({"success": True, "data": {"id": "late"}}), content_type="application/json")

    server.expect_request(
        f"{BASE_PATH}/accounts/{ACCOUNT_ID}/realtime/kit/{APP_ID}/livestreams/sessions/s1"
    ).respond_with_handler(slow)
    server.start()
    try:
        yield server
    finally:
        release.set()
        server.stop()


def json_body(data: Any, **top: Any) -> dict[str, Any]:
    """A RealtimeKit success envelope."""
    return {"success": True, "data": data, **top}


def rtk_error(code: int, message: str) -> dict[str, Any]:
    """A RealtimeKit (Dyte-style) error body."""
    return {"success": False, "error": {"code": code, "message": message}}


def cf_error(code: int, message: str) -> dict[str, Any]:
    """A Cloudflare gateway error body."""
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
