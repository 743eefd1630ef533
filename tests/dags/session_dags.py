"""DAGs the session tests run through `dag.test()`: one per sensor mode, plus the operator.

Every DAG reads the session id and the connection id from params, so one file serves every scenario;
`consume` stands for a downstream task and proves the payload travels through XCom.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_realtimekit.operators.realtimekit import RealtimeKitLivestreamSessionOperator
from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")
PARAMS = {"session_id": "", "conn_id": "realtimekit_default"}
SENSOR_MODES = {
    "poke": {"mode": "poke", "deferrable": False},
    "reschedule": {"mode": "reschedule", "deferrable": False},
    "deferrable": {"deferrable": True},
}


@task
def consume(payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": payload["id"], "stopped_time": payload["stopped_time"], "ingest": payload["ingest_seconds"]}


def _sensor_dag(dag_id: str, timeout: float, soft_fail: bool, fail_on_stream_error: bool, **mode: Any) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, catchup=False, params=PARAMS) as dag:
        wait = RealtimeKitLivestreamSessionSensor(
            task_id="wait",
            session_id="{{ params.session_id }}",
            realtimekit_conn_id="{{ params.conn_id }}",
            poke_interval=0.2,
            timeout=timeout,
            soft_fail=soft_fail,
            fail_on_stream_error=fail_on_stream_error,
            max_consecutive_failures=2,
            **mode,
        )
        consume.override(task_id="consume")(wait.output)
    return dag


for _name, _mode in SENSOR_MODES.items():
    globals()[f"sensor_{_name}"] = _sensor_dag(f"rtk_sensor_{_name}", 30, False, True, **_mode)
    globals()[f"sensor_{_name}_timeout"] = _sensor_dag(f"rtk_sensor_{_name}_timeout", 1.5, False, True, **_mode)
    globals()[f"sensor_{_name}_soft"] = _sensor_dag(f"rtk_sensor_{_name}_soft", 1.5, True, True, **_mode)
    globals()[f"sensor_{_name}_tolerant"] = _sensor_dag(f"rtk_sensor_{_name}_tolerant", 30, False, False, **_mode)

with DAG("rtk_operator", schedule=None, start_date=START, catchup=False, params=PARAMS) as operator_dag:
    fetch = RealtimeKitLivestreamSessionOperator(
        task_id="fetch", session_id="{{ params.session_id }}", realtimekit_conn_id="{{ params.conn_id }}"
    )
    consume.override(task_id="consume")(fetch.output)
