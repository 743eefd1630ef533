"""The emulator as a server: start, stop, ports, threads, the Airflow connection, a light import."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from airflow_provider_realtimekit.testing import Fault, RealtimeKitEmulator
from tests.testing.emulator_client import TOKEN


def _emulator_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "realtimekit-emulator"]


def test_emulator_serves_on_a_free_loopback_port():
    with RealtimeKitEmulator(token=TOKEN) as emu:
        response = requests.get(emu.base_url + "/user/tokens/verify", timeout=5)

    assert response.status_code == 401


def test_base_url_names_host_port_and_api_prefix():
    with RealtimeKitEmulator(token=TOKEN) as emu:
        assert emu.base_url == f"http://127.0.0.1:{emu.port}/client/v4"
        assert emu.port > 0


def test_stop_joins_the_thread_and_releases_the_port():
    threads_before = len(_emulator_threads())
    emu = RealtimeKitEmulator(token=TOKEN).start()
    port = emu.port

    emu.stop()

    assert len(_emulator_threads()) == threads_before
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/client/v4/user/tokens/verify", timeout=1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_stop_cuts_off_a_delayed_request_without_a_500(capfd: pytest.CaptureFixture[str]):
    emu = RealtimeKitEmulator(token=TOKEN, token_owner="user").start()
    emu.inject_fault("*", Fault.delay(30))
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(
                requests.get(
                    emu.base_url + "/user/tokens/verify", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
                )
            )
        except requests.RequestException as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)  # the request is now sleeping in the delay fault

    emu.stop(timeout=3)
    caller.join()

    assert isinstance(outcome[0], requests.ConnectionError)
    assert "Traceback" not in capfd.readouterr().err


def test_emulator_can_restart_after_stop():
    emu = RealtimeKitEmulator(token=TOKEN)
    with emu:
        first = emu.port
    with emu:
        assert requests.get(emu.base_url + "/user/tokens/verify", timeout=5).status_code == 401
    assert first > 0


def test_default_ids_are_short_and_url_safe():
    emu = RealtimeKitEmulator()

    for value in (emu.account_id, emu.app_id):
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", value)


def test_connection_json_points_airflow_at_the_emulator():
    with RealtimeKitEmulator(token=TOKEN) as emu:
        connection = json.loads(emu.connection_json())
        env = emu.connection_env("my_rtk")

    assert connection == {
        "conn_type": "realtimekit",
        "host": emu.base_url,
        "password": TOKEN,
        "extra": {"account_id": emu.account_id, "app_id": emu.app_id},
    }
    assert env == {"AIRFLOW_CONN_MY_RTK": emu.connection_json()}


def test_connection_uri_parses_back_in_airflow():
    """Checked with both parsers: the SDK's (what tasks use in Airflow 3) and the metadata model's."""
    sdk_connection = pytest.importorskip("airflow.sdk.definitions.connection").Connection
    model_connection = pytest.importorskip("airflow.models.connection").Connection
    with RealtimeKitEmulator(token="tok/with:odd@chars") as emu:
        uri = emu.connection_uri()

    parsed = [sdk_connection.from_uri(uri, conn_id="rtk"), model_connection(conn_id="rtk", uri=uri)]

    for connection in parsed:
        assert connection.conn_type == "realtimekit"
        assert connection.host == emu.base_url
        assert connection.password == "tok/with:odd@chars"
        assert connection.extra_dejson == {"account_id": emu.account_id, "app_id": emu.app_id}


def test_importing_the_testing_package_imports_neither_airflow_nor_the_server():
    code = (
        "import sys, airflow_provider_realtimekit.testing as t; "
        "heavy = [m for m in ('airflow', 'uvicorn', 'fastapi', 'starlette') if m in sys.modules]; "
        "print(heavy)"
    )

    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert output.strip() == "[]"


def test_emulator_keeps_serving_while_a_test_patches_asyncio_sleep(monkeypatch: pytest.MonkeyPatch):
    async def no_wait(seconds: float) -> None:
        return None

    with RealtimeKitEmulator(token=TOKEN) as emu:
        monkeypatch.setattr(asyncio, "sleep", no_wait)
        statuses = [requests.get(emu.base_url + "/user/tokens/verify", timeout=2).status_code for _ in range(3)]
        monkeypatch.undo()

    assert statuses == [401, 401, 401]
