"""DAGs for tests/operators/test_usage.py: one usage task ``t`` each, window and output path from run conf."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_realtimekit.operators.usage import RealtimeKitLivestreamUsageOperator

PARAMS = {
    "start": Param("", type="string"),
    "end": Param("", type="string"),
    "output_path": Param("", type="string"),
}


def _usage_dag(dag_id: str, **operator_kwargs: Any) -> DAG:
    with DAG(
        dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params=PARAMS,
    ) as dag:
        RealtimeKitLivestreamUsageOperator(
            task_id="t",
            output_path="{{ params.output_path }}",
            start="{{ params.start }}",
            end="{{ params.end }}",
            **operator_kwargs,
        )
    return dag


usage_jsonl = _usage_dag("rtk_usage_jsonl", include_analytics=True)
usage_csv = _usage_dag("rtk_usage_csv", format="csv")
usage_by_stop = _usage_dag("rtk_usage_by_stop", window_field="stopped_time")
