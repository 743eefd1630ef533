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

    assert set(summary) == {
        "connection",
        "base_url",
        "livestream_ids",
        "session_ids",
        "live_session_id",
        "fleet_session_ids",
        "control_url",
    }
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


def test_live_sessions_build_a_fleet_that_stops_within_the_spread():
    cli = RunningCli("--scenario", "empty", "--live-sessions", "5", "--stop-spread", "600", "--seed", "4")
    try:
        listed = requests.get(f"{cli.app_url}/livestreams", params={"status": "LIVE"}, headers=cli.headers, timeout=5)
        advanced = requests.post(f"{cli.summary['control_url']}/advance", json={"seconds": 600}, timeout=5)
        after = requests.get(f"{cli.app_url}/livestreams", params={"status": "LIVE"}, headers=cli.headers, timeout=5)
    finally:
        cli.stop(signal.SIGTERM)

    assert len(cli.summary["fleet_session_ids"]) == 5
    assert sorted(item["id"] for item in listed.json()["data"]) == sorted(cli.summary["livestream_ids"])
    assert advanced.status_code == 200
    assert after.json()["data"] == []


def test_same_seed_gives_the_same_fleet():
    runs = []
    for _ in range(2):
        cli = RunningCli("--scenario", "empty", "--live-sessions", "2", "--seed", "9")
        cli.stop(signal.SIGTERM)
        runs.append(cli.summary["fleet_session_ids"])

    assert runs[0] == runs[1]


def test_variant_options_switch_the_served_shapes():
    cli = RunningCli("--live-sessions", "1", "--variant", "disabled=string", "--variant", "numbers=int")
    try:
        listed = requests.get(f"{cli.app_url}/livestreams", headers=cli.headers, timeout=5).json()
        session_id = cli.summary["session_ids"][1]
        finished = requests.get(f"{cli.app_url}/livestreams/sessions/{session_id}", headers=cli.headers, timeout=5)
    finally:
        cli.stop(signal.SIGTERM)

    assert {item["disabled"] for item in listed["data"]} == {"false"}
    assert finished.json()["data"]["viewer_seconds"] == 9123


def test_definition_shapes_option_serves_the_definition_list_form():
    cli = RunningCli("--definition-shapes")
    try:
        listed = requests.get(f"{cli.app_url}/livestreams", headers=cli.headers, timeout=5).json()
    finally:
        cli.stop(signal.SIGTERM)

    assert listed["data"]["name"] == "demo-stream"
    assert listed["data"]["disabled"] == "false"
    assert listed["data"]["paging"]["total_count"] == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--variant", "numbers"], "use NAME=VALUE"),
        (["--variant", "colour=red"], "NAME one of list_shape"),
        (["--variant", "numbers=decimal"], "numbers takes int|float|string"),
        (["--variant", "page_base=first"], "page_base takes a whole number"),
        (["--live-sessions", "-3"], "must be 0 or more"),
        (["--stop-spread", "-1"], "must be 0 or more"),
    ],
)
def test_bad_options_exit_2_naming_what_is_allowed(args: list[str], words: str, capsys: pytest.CaptureFixture[str]):
    from airflow_provider_realtimekit.testing.cli import main

    with pytest.raises(SystemExit) as exited:
        main(args)

    assert exited.value.code == 2
    assert words in capsys.readouterr().err


def test_help_lists_every_variant_with_its_values():
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "airflow_provider_realtimekit.testing", "--help"]

    shown = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30, check=True).stdout

    assert "--variant NAME=VALUE" in shown
    assert "--live-sessions N" in shown and "--stop-spread SECONDS" in shown and "--seed N" in shown
    assert "disabled: boolean | string" in shown
    assert "list_shape: array | object | definition" in shown
