"""Fixtures for the live contract suite's tests: an emulator with an app worth checking, and a way to run
the suite against it (in-process, or as ``python -m scripts.live_contract``) and read back what it said."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from scripts.live_contract.cli import QUIET_HOOK_LOG, main
from tests.conftest import REPO, TOKEN


@dataclass
class SuiteRun:
    """What one run of the suite left behind."""

    exit_status: int
    stdout: str
    stderr: str
    report_text: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.report_text)

    def outcome(self, check_name: str) -> str:
        return self.check(check_name)["outcome"]

    def check(self, check_name: str) -> dict[str, Any]:
        found = [c for c in self.report["checks"] if c["name"] == check_name]
        assert found, f"no check named {check_name!r} in the report"
        return found[0]

    @property
    def findings(self) -> dict[str, Any]:
        return self.report["findings"]


@pytest.fixture
def app(emulator) -> dict[str, Any]:
    """
    An app like a real one: a livestream with a session that finished two days ago, a LIVE one with an
    earlier finished session, an idle one without sessions, created a day apart. Returns the emulator's own
    views, whose ids, names, timestamps and stream keys the report must not hold.
    """
    now = emulator.now()
    finished = emulator.add_livestream(name="studio-finished", created=now - timedelta(days=3))
    old = emulator.add_session(
        finished["id"], started=now - timedelta(days=2), stopped=now - timedelta(days=2) + timedelta(hours=1)
    )
    live = emulator.add_livestream(name="studio-live", created=now - timedelta(days=2))
    earlier = emulator.add_session(
        live["id"], started=now - timedelta(days=1), stopped=now - timedelta(days=1) + timedelta(minutes=30)
    )
    current = emulator.add_session(live["id"], started=now - timedelta(minutes=5))
    idle = emulator.add_livestream(name="studio-idle", created=now - timedelta(days=1))
    return {"livestreams": [finished, live, idle], "sessions": [old, earlier, current]}


@pytest.fixture
def live_env(emulator) -> dict[str, str]:
    """The suite's environment, pointed at the emulator."""
    return {
        "REALTIMEKIT_API_TOKEN": TOKEN,
        "REALTIMEKIT_ACCOUNT_ID": emulator.account_id,
        "REALTIMEKIT_APP_ID": emulator.app_id,
        "REALTIMEKIT_BASE_URL": emulator.base_url,
    }


@pytest.fixture
def run_suite(live_env, tmp_path: Path, capsys, monkeypatch) -> Callable[..., SuiteRun]:
    """Run the suite in this process (``main()``, as ``make test-live`` does); extra variables override ``live_env``."""
    # main() quiets the hook's log through this variable if it is unset; keep that within the test.
    monkeypatch.setenv("AIRFLOW__LOGGING__NAMESPACE_LEVELS", QUIET_HOOK_LOG)

    def run(**overrides: str) -> SuiteRun:
        report = tmp_path / "live-contract-report.json"
        report.unlink(missing_ok=True)
        capsys.readouterr()
        status = main(["--report", str(report)], {**live_env, **overrides})
        printed = capsys.readouterr()
        return SuiteRun(status, printed.out, printed.err, report.read_text() if report.exists() else "")

    return run


def run_command(env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """
    Run ``python -m scripts.live_contract`` from the repository with only ``env`` (plus PATH and the test
    session's AIRFLOW_HOME) in its environment.
    """
    base = {"PATH": os.environ.get("PATH", ""), "AIRFLOW_HOME": os.environ["AIRFLOW_HOME"], "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "scripts.live_contract", *(["--report", str(cwd / "report.json")])],
        env={**base, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
