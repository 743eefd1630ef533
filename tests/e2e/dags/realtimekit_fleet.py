"""A fleet of waits: one deferrable session sensor mapped over every session id of the run's conf.

Trigger it with ``{"session_ids": [...]}``: ``session_ids`` hands the list over, and each mapped
``wait_for_session_end`` waits for its session in the triggerer, all on ``realtimekit_default``, i.e. one
token. The end-to-end fleet test (`tests/e2e/test_fleet.py`) runs it with 30 sessions on the PostgreSQL
deployment with two triggerers.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor

DAG_ID = "rtk_e2e_fleet"
SENSOR = "wait_for_session_end"
#: Seconds between polls of each wait. 30 waits polled on their own cost 6 requests a second: over the
#: test's few minutes that stays under the emulator's 1,200 per 5 minutes, so today's behaviour meets no 429.
POKE_INTERVAL = 5.0
TIMEOUT_SECONDS = 600


@task
def session_ids(params: dict[str, Any]) -> list[str]:
    """The session ids to wait for, from the run's conf."""
    ids = params["session_ids"]
    if not isinstance(ids, list) or not ids:
        raise ValueError(f"Trigger {DAG_ID} with a non-empty list of session ids in 'session_ids', got {ids!r}.")
    return [str(session_id) for session_id in ids]


with DAG(
    DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=False,
    params={"session_ids": []},
    max_active_tasks=64,  # every mapped sensor may wait at once; the executor's slots still bound the starts
) as dag:
    RealtimeKitLivestreamSessionSensor.partial(
        task_id=SENSOR, deferrable=True, poke_interval=POKE_INTERVAL, timeout=TIMEOUT_SECONDS
    ).expand(session_id=session_ids())
