"""Small helpers for running test DAGs through the real `dag.test()` and reading what they left."""

from __future__ import annotations

from typing import Any


def run_dag(dag: Any, **params: Any) -> Any:
    """Run `dag` once with `params` as run conf; return the DagRun (dag.test() never raises on failure)."""
    return dag.test(run_conf=params)


def task_state(dag_run: Any, task_id: str) -> str | None:
    state = dag_run.get_task_instance(task_id).state
    return None if state is None else str(state.value if hasattr(state, "value") else state)


def xcom(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    return dag_run.get_task_instance(task_id).xcom_pull(task_ids=task_id, key=key)
