"""The deferrable session sensor running into its timeout, with and without ``soft_fail``.

The example post-stream DAG reads its timeout from the environment when it is parsed, and every
component shares one environment in the end-to-end deployment, so the timeout cases get DAGs of their own.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor

TIMEOUT_SECONDS = 8

for _dag_id, _soft_fail in (("rtk_e2e_sensor_timeout", False), ("rtk_e2e_sensor_timeout_soft_fail", True)):
    with DAG(
        _dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        is_paused_upon_creation=False,
        params={"session_id": ""},
    ) as _dag:
        RealtimeKitLivestreamSessionSensor(
            task_id="wait_for_session_end",
            session_id="{{ params.session_id }}",
            deferrable=True,
            poke_interval=float(os.environ.get("REALTIMEKIT_POKE_INTERVAL", "30")),
            timeout=TIMEOUT_SECONDS,
            soft_fail=_soft_fail,
        )
    globals()[_dag_id] = _dag
