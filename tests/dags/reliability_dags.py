"""DAGs for tests/reliability: every Airflow task type of the provider, run through ``dag.test()``.

- ``rel_matrix``: the session operator, the sensor in poke, reschedule and deferrable mode, and the usage
  operator, side by side. Each task has a connection of its own (``rel_<task_id>``), which the fault matrix
  points at an emulator of its own, so one run exercises every task type against the same fault and each
  emulator's request log holds one task's requests only.
- ``rel_inputs``: the session operator and the poke sensor mapped over ``params.cases`` (one mapped task
  instance per bad input, each with its session id and connection id), plus one pair fed by a template.

Every failed task of these DAGs is recorded with the exception it failed with in ``FAILURES`` (by a task
listener, ``on_task_instance_failed``), so the tests can assert the exact class and message, and search its
traceback for the token, without parsing console output. A listener rather than ``on_failure_callback``:
before Airflow 3.2, ``dag.test()`` hands the callback a context whose ``exception`` is None, while listeners
get the error on every supported version.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.listeners import hookimpl
from airflow.sdk import DAG, task

from airflow_provider_realtimekit.operators.realtimekit import RealtimeKitLivestreamSessionOperator
from airflow_provider_realtimekit.operators.usage import RealtimeKitLivestreamUsageOperator
from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor
from tests.airflow_compat import get_listener_manager

START = pendulum.datetime(2026, 1, 1, tz="UTC")
#: The session every matrix emulator serves.
SESSION_ID = "rel-session"
#: The usage window of the matrix (the usage emulator's session lies inside it).
USAGE_START = "2026-03-01T00:00:00Z"
USAGE_END = "2026-03-02T00:00:00Z"
#: Sensor settings of the matrix: short polls; one failed poll in a row tolerated, the second ends the wait.
POKE_INTERVAL = 0.2
MAX_CONSECUTIVE_FAILURES = 1
#: The reschedule sensor's timeout: short, so a persistent fault ends in AirflowSensorTimeout quickly (each
#: reschedule poke is a new process there, so the failure budget never spans pokes), yet as long as the
#: matrix's lockout, which the sensor must wait out (it waits out a Retry-After up to its timeout).
RESCHEDULE_TIMEOUT = 1
MATRIX_TASKS = ("operator", "sensor_poke", "sensor_reschedule", "sensor_deferrable", "usage")

#: (run_id, task_id, map_index, exception) of every failed task in this process, oldest first.
FAILURES: list[tuple[str, str, int, BaseException | None]] = []


class _FailureRecorder:
    """Task listener: appends (run_id, task_id, map_index, error) of every failed task of these DAGs."""

    @hookimpl
    def on_task_instance_failed(self, previous_state: Any, task_instance: Any, error: Any) -> None:
        if task_instance.dag_id in {"rel_matrix", "rel_inputs"}:
            exception = error if isinstance(error, BaseException) else None
            FAILURES.append((task_instance.run_id, task_instance.task_id, task_instance.map_index, exception))


def record_failures() -> None:
    """Register the recorder with the listener manager the task runner calls (idempotent)."""
    get_listener_manager().add_listener(_RECORDER)


_RECORDER = _FailureRecorder()
record_failures()


def _sensor(task_id: str, session_id: str, conn_id: str, timeout: float, **mode: Any) -> None:
    RealtimeKitLivestreamSessionSensor(
        task_id=task_id,
        session_id=session_id,
        realtimekit_conn_id=conn_id,
        poke_interval=POKE_INTERVAL,
        timeout=timeout,
        max_consecutive_failures=MAX_CONSECUTIVE_FAILURES,
        **mode,
    )


with DAG(
    "rel_matrix",
    schedule=None,
    start_date=START,
    catchup=False,
    params={"session_id": SESSION_ID, "usage_path": "/tmp/rel-usage.jsonl"},
) as matrix_dag:
    RealtimeKitLivestreamSessionOperator(
        task_id="operator",
        session_id="{{ params.session_id }}",
        realtimekit_conn_id="rel_operator",
    )
    _sensor("sensor_poke", "{{ params.session_id }}", "rel_sensor_poke", 30, mode="poke", deferrable=False)
    _sensor(
        "sensor_reschedule",
        "{{ params.session_id }}",
        "rel_sensor_reschedule",
        RESCHEDULE_TIMEOUT,
        mode="reschedule",
        deferrable=False,
    )
    _sensor("sensor_deferrable", "{{ params.session_id }}", "rel_sensor_deferrable", 30, deferrable=True)
    RealtimeKitLivestreamUsageOperator(
        task_id="usage",
        output_path="{{ params.usage_path }}",
        start=USAGE_START,
        end=USAGE_END,
        realtimekit_conn_id="rel_usage",
    )


@task
def input_cases(params: dict[str, Any]) -> list[dict[str, Any]]:
    return params["cases"]


with DAG(
    "rel_inputs",
    schedule=None,
    start_date=START,
    catchup=False,
    params={"cases": [], "template_session_id": "", "template_conn_id": "rel_inputs"},
) as inputs_dag:
    # Mapped over the run's cases, handed over by an upstream task as XCom: values arrive as they are
    # (None, numbers, any string), as they do when an id comes from another task.
    cases = input_cases()
    RealtimeKitLivestreamSessionOperator.partial(task_id="operator").expand_kwargs(cases)
    RealtimeKitLivestreamSessionSensor.partial(
        task_id="sensor",
        poke_interval=POKE_INTERVAL,
        timeout=30,
        max_consecutive_failures=MAX_CONSECUTIVE_FAILURES,
        mode="poke",
    ).expand_kwargs(cases)
    # An id from a template that renders to an empty string.
    RealtimeKitLivestreamSessionOperator(
        task_id="operator_template",
        session_id="{{ params.template_session_id }}",
        realtimekit_conn_id="{{ params.template_conn_id }}",
    )
    _sensor("sensor_template", "{{ params.template_session_id }}", "{{ params.template_conn_id }}", 30, mode="poke")
