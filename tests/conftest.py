"""Test-session set-up: a throwaway Airflow home, the metadata DB, and the emulator.

The environment is set at import time, before anything imports Airflow, so every test (and every
`dag.test()`) runs against a fresh SQLite DB in a temporary AIRFLOW_HOME: trigger rows left by one run
can never be picked up by anything else.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
_HOME = tempfile.mkdtemp(prefix="rtk-test-airflow-home-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "tests" / "dags")
os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(
    [
        {
            "name": "test-dags",
            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(REPO / "tests" / "dags"), "refresh_interval": 0},
        },
        {
            "name": "example-dags",
            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(REPO / "example_dags"), "refresh_interval": 0},
        },
    ]
)
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"

#: A distinctive token: leak checks search every output for it.
TOKEN = "rtk-test-token-Zq8xW3vN5pK1"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """
    Under pytest-xdist (``make test`` runs two workers) every end-to-end test goes to one worker, in
    collection order, so each shared deployment of tests/e2e still starts once; other tests are handed out a
    module at a time, in collection order, which starts the end-to-end tests (the longest share) early.
    (xdist's own ``xdist_group`` marks do not take effect with pytest 9.)
    """
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class EndToEndTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/e2e" if nodeid.startswith("tests/e2e/") else super()._split_scope(nodeid)

    return EndToEndTogether(config, log)


@pytest.fixture(autouse=True)
def token_gates(request: pytest.FixtureRequest) -> Iterator[None]:
    """
    Every test starts with fresh per-token rate budgets, so one test's 429 cannot hold the next one's
    requests. Gates are instant (no pacing, waits take no real time) unless the test is marked
    ``paced_gates``: pacing is tested where it is the subject, and would only slow the rest.
    """
    from airflow_provider_realtimekit.waits import token_gates as gates

    gates.reset_gates()
    if request.node.get_closest_marker("paced_gates") is None:
        gates.use_instant_gates()
    yield
    gates.reset_gates()


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """A migrated metadata DB in the session's AIRFLOW_HOME (about 3 s, once)."""
    from airflow.utils import db

    from tests.airflow_compat import share_in_process_execution_api

    db.initdb()
    share_in_process_execution_api()
    return _HOME


@pytest.fixture
def emulator() -> Iterator:
    """A fresh emulator on a free loopback port, with TOKEN as its token."""
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    with RealtimeKitEmulator(token=TOKEN, port=0) as emu:
        yield emu


@pytest.fixture
def realtimekit_conn(emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """`realtimekit_default` pointed at the emulator; returns the conn id."""
    monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", emulator.connection_json())
    return "realtimekit_default"


@pytest.fixture
def realtimekit_conn_with(emulator, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """
    Point `realtimekit_default` at the emulator with extras of the test's own, e.g. ``max_attempts=1`` so that
    every failed request is a failed poll; returns the conn id.
    """

    def point(**extra: Any) -> str:
        connection = emulator.connection()
        connection["extra"].update(extra)
        monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(connection))
        return "realtimekit_default"

    return point


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.airflow_compat import NEEDS_AIRFLOW, airflow_older_than

    for item in items:
        needs = NEEDS_AIRFLOW.get(getattr(item, "originalname", item.name))
        if needs and airflow_older_than(needs[0]):
            item.add_marker(pytest.mark.xfail(reason=needs[1], strict=True))
