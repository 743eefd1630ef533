"""``realtimekit-emulator`` / ``python -m airflow_provider_realtimekit.testing``: output, scenarios, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


class RunningCli:
    """A CLI subprocess and its first output line.

    :param args: CLI arguments.
    """

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        command = [sys.executable, "-m", "airflow_provider_realtimekit.testing", "--port", "0", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert self.process.stdout is not None
        self.summary: dict[str, Any] = json.loads(self.process.stdout.readline())
        self.second_line = self.process.stdout.readline()
        connection = self.summary["connection"]
        self.headers = {"Authorization": f"Bearer {connection['password']}"}
        extra = connection["extra"]
        self.app_url = f"{connection['host']}/accounts/{extra['account_id']}/realtime/kit/{extra['app_id']}"

    def stop(self, signum: int) -> int:
        """Send ``signum`` and return the exit status.

        :param signum: the signal.
        """
        self.process.send_signal(signum)
        return self.process.wait(timeout=10)


def _demo_cli() -> Iterator[RunningCli]:
    cli = RunningCli("--token", "cli-token", "--scenario", "demo", "--stop-after", "30")
    yield cli
    if cli.process.poll() is None:
        cli.process.kill()
        cli.process.wait()


#: One CLI process shared by the read-only tests of this module.
demo = pytest.fixture(scope="module")(_demo_cli)
#: A CLI process of its own, for the tests that stop it.
own_demo = pytest.fixture(_demo_cli)


def test_first_line_is_the_machine_readable_summary(demo: RunningCli):
    summary = demo.summary

    assert set(summary) == {"connection", "base_url", "livestream_ids", "session_ids", "live_session_id"}
    assert summary["connection"]["conn_type"] == "realtimekit"
    assert summary["connection"]["host"] == summary["base_url"]
    assert summary["connection"]["password"] == "cli-token"
    assert summary["session_ids"][0] == summary["live_session_id"]
    assert len(summary["session_ids"]) == 2


def test_second_line_names_the_base_url(demo: RunningCli):
    assert demo.second_line.strip() == f"RealtimeKit emulator serving on {demo.summary['base_url']} (Ctrl+C to stop)"


def test_demo_scenario_serves_one_live_and_one_stopped_session(demo: RunningCli):
    live_id, stopped_id = demo.summary["session_ids"]

    live = requests.get(f"{demo.app_url}/livestreams/sessions/{live_id}", headers=demo.headers, timeout=5).json()
    stopped = requests.get(f"{demo.app_url}/livestreams/sessions/{stopped_id}", headers=demo.headers, timeout=5).json()
    livestream = requests.get(f"{demo.app_url}/livestreams", headers=demo.headers, timeout=5).json()

    assert live["data"]["stopped_time"] is None
    assert stopped["data"]["stopped_time"] is not None
    assert [(item["name"], item["status"]) for item in livestream["data"]] == [("demo-stream", "LIVE")]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_exits_zero_on_signal(own_demo: RunningCli, signum: int):
    assert own_demo.stop(signum) == 0
    assert own_demo.process.stderr is not None
    assert "Traceback" not in own_demo.process.stderr.read()


def test_empty_scenario_has_no_livestreams():
    cli = RunningCli("--scenario", "empty")
    try:
        body = requests.get(f"{cli.app_url}/livestreams", headers=cli.headers, timeout=5).json()
    finally:
        cli.stop(signal.SIGTERM)

    assert cli.summary["session_ids"] == [] and cli.summary["live_session_id"] is None
    assert body["data"] == []


def test_usage_scenario_adds_seeded_livestreams_to_the_demo():
    cli = RunningCli("--scenario", "usage")
    try:
        overall = requests.get(f"{cli.app_url}/analytics/livestreams/overall", headers=cli.headers, timeout=5).json()
    finally:
        cli.stop(signal.SIGTERM)

    assert len(cli.summary["livestream_ids"]) == 11
    assert overall["data"]["count"] == 1002
