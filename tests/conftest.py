"""Test-session set-up: a throwaway Airflow home, the metadata DB, and the emulator.

The environment is set at import time, before anything imports Airflow, so every test (and every
`dag.test()`) runs against a fresh SQLite DB in a temporary AIRFLOW_HOME: trigger rows left by one run
can never be picked up by anything else.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """A migrated metadata DB in the session's AIRFLOW_HOME (about 3 s, once)."""
    from airflow.utils import db

    db.initdb()
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


#: Tests whose expectation holds from this Airflow on, and why older releases (down to the oldest supported
#: one, `make test-oldest`) differ. Matched by test function name; they are expected to fail before it.
_NEEDS_AIRFLOW = {
    "test_extra_that_is_not_a_json_object_is_refused": (
        (3, 2),
        "Airflow < 3.2 refuses such a connection itself (the env-var backend drops it: 'isn't defined'), "
        "so the hook never sees it",
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from importlib.metadata import version

    airflow = tuple(int(part) for part in version("apache-airflow-core").split(".")[:2])
    for item in items:
        needs = _NEEDS_AIRFLOW.get(getattr(item, "originalname", item.name))
        if needs and airflow < needs[0]:
            item.add_marker(pytest.mark.xfail(reason=needs[1], strict=True))
