"""The API token stays in the Authorization header: the leak checks not folded into the other tests.

The fault-matrix cells and the bad-input rows already search everything their runs produced (log records,
stdout/stderr, exceptions with their chained causes, XCom, rendered template fields, trigger kwargs and
events, the URLs the emulator saw) and count each search. Here: ``repr``/``str`` of the hooks, their
settings and the trigger, and a sweep of everything the test session persisted (the metadata DB, which
holds XCom, rendered fields, trigger rows, task instances and runs, and any log file).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from airflow_provider_realtimekit.operators.realtimekit import RealtimeKitLivestreamSessionOperator
from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor
from airflow_provider_realtimekit.testing import Fault
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from tests.conftest import TOKEN
from tests.dags import reliability_dags as dags


def test_hooks_settings_and_trigger_show_no_token(emulator, realtimekit_conn, reliability) -> None:
    hook = RealtimeKitHook(realtimekit_conn)
    assert hook.settings.token == TOKEN  # loaded: the token is in memory, and must still not show
    hook.get_conn()
    reliability.no_token("repr: sync hook and its settings", repr(hook), str(hook), hook.settings, vars(hook))

    async def inspect_async() -> None:
        async with RealtimeKitAsyncHook(realtimekit_conn) as async_hook:
            reliability.no_token("repr: async hook and its settings", repr(async_hook), async_hook.settings)

    asyncio.run(inspect_async())
    trigger = RealtimeKitLivestreamSessionTrigger("s-1", realtimekit_conn, poll_interval=5, not_before=1.0)
    reliability.no_token("repr: trigger", repr(trigger), str(trigger))
    reliability.no_token("trigger kwargs: serialize()", json.dumps(trigger.serialize()))
    operator = RealtimeKitLivestreamSessionOperator(task_id="o", session_id="s-1")
    sensor = RealtimeKitLivestreamSessionSensor(task_id="w", session_id="s-1", deferrable=True)
    reliability.no_token("repr: operator and sensor", repr(operator), repr(sensor), operator.hook, sensor.hook)


def test_nothing_the_session_persisted_holds_the_token(emulator, airflow_db, monkeypatch, reliability) -> None:
    # One more failing run of each task kind, so the sweep has something to search even when run alone.
    conn = emulator.connection()
    conn["extra"].update(max_attempts=2, backoff_initial=0.01)
    monkeypatch.setenv("AIRFLOW_CONN_REL_LEAK", json.dumps(conn))
    emulator.inject_fault("*", Fault.status(503, envelope="cloudflare"))
    dag_run = dags.inputs_dag.test(
        run_conf={
            "cases": [{"session_id": "s-1", "realtimekit_conn_id": "rel_leak"}],
            "template_conn_id": "rel_leak",
        }
    )
    assert {str(ti.state) for ti in dag_run.get_task_instances() if ti.task_id != "input_cases"} == {"failed"}

    files = [path for path in Path(os.environ["AIRFLOW_HOME"]).rglob("*") if path.is_file()]
    assert any(path.suffix == ".db" for path in files)
    for path in files:
        reliability.no_token(f"persisted file: {path.name}", path.read_bytes().decode("latin-1"))
