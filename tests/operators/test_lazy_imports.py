"""A DAG file that declares the provider's operators and sensor does not load what only a running task needs.

Each check runs in a fresh interpreter, as a DAG parse does. How long the imports take is measured in
``benchmarks/import_cost.py``; here only *what* is imported is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

#: Modules that only a running task needs: the hooks, the HTTP protocol (small helpers of ``api/`` such as
#: ``api.timestamps`` may load), the triggers, the pull's parts.
TASK_ONLY = (
    "airflow_provider_realtimekit.api.endpoints",
    "airflow_provider_realtimekit.api.paging",
    "airflow_provider_realtimekit.api.responses",
    "airflow_provider_realtimekit.api.retry",
    "airflow_provider_realtimekit.api.settings",
    "airflow_provider_realtimekit.hooks.realtimekit",
    "airflow_provider_realtimekit.triggers",
    "airflow_provider_realtimekit.operators.usage.pull",
    "airflow_provider_realtimekit.operators.usage.staging",
    "airflow.triggers",
)

CLASSES = [
    ("airflow_provider_realtimekit.operators.realtimekit", "RealtimeKitLivestreamSessionOperator"),
    ("airflow_provider_realtimekit.operators.usage", "RealtimeKitLivestreamUsageOperator"),
    ("airflow_provider_realtimekit.sensors.realtimekit", "RealtimeKitLivestreamSessionSensor"),
]


def modules_loaded_by(statement: str) -> list[str]:
    probe = (
        f"import sys, json\nbefore = set(sys.modules)\n{statement}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("module", "name"), CLASSES, ids=[name for _, name in CLASSES])
def test_declaring_a_class_loads_no_task_only_module(module, name):
    # What every DAG file has loaded anyway (on 3.1, BaseOperator brings airflow.triggers with it).
    baseline = "from airflow.sdk import DAG, BaseOperator, BaseSensorOperator"
    loaded = modules_loaded_by(f"{baseline}\nbefore = set(sys.modules)\nfrom {module} import {name}")

    assert [m for m in loaded if m.startswith(TASK_ONLY)] == []


def test_every_name_the_usage_package_lists_resolves():
    from airflow_provider_realtimekit.operators import usage

    for name in usage.__all__:
        assert getattr(usage, name) is not None
    assert usage.USAGE_COLUMNS[-1] == "live_at_window_end"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        usage.nothing_here  # noqa: B018


def test_every_name_the_api_package_lists_resolves():
    from airflow_provider_realtimekit import api

    for name in api.__all__:
        assert getattr(api, name).__module__.startswith("airflow_provider_realtimekit.api.")
