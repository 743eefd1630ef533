"""DAGs the permanent-error tests run through `dag.test()`: tasks with Airflow retries, and soft_fail sensors.

`retries=2` with no delay: a permanent error must fail the task on its first try all the same, while a
transient one is tried again.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_realtimekit.operators.realtimekit import RealtimeKitLivestreamSessionOperator
from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")
PARAMS = {"session_id": ""}
RETRIES = {"retries": 2, "retry_delay": timedelta(seconds=0), "retry_exponential_backoff": False}
SENSOR_MODES = {
    "poke": {"mode": "poke", "deferrable": False},
    "reschedule": {"mode": "reschedule", "deferrable": False},
    "deferrable": {"deferrable": True},
}

with DAG("rtk_operator_with_retries", schedule=None, start_date=START, catchup=False, params=PARAMS) as operator_dag:
    RealtimeKitLivestreamSessionOperator(task_id="fetch", session_id="{{ params.session_id }}", **RETRIES)


def _sensor_dag(mode: str, soft_fail: bool) -> DAG:
    suffix = "_soft" if soft_fail else ""
    dag_id = f"rtk_sensor_retries_{mode}{suffix}"
    with DAG(dag_id, schedule=None, start_date=START, catchup=False, params=PARAMS) as dag:
        RealtimeKitLivestreamSessionSensor(
            task_id="wait",
            session_id="{{ params.session_id }}",
            poke_interval=0.2,
            timeout=30,
            soft_fail=soft_fail,
            max_consecutive_failures=0,
            **RETRIES,
            **SENSOR_MODES[mode],
        )
    return dag


for _mode in SENSOR_MODES:
    globals()[f"sensor_{_mode}"] = _sensor_dag(_mode, soft_fail=False)
    globals()[f"sensor_{_mode}_soft"] = _sensor_dag(_mode, soft_fail=True)
