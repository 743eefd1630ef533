"""The sensor's own logic: parameters, deferral, and every branch of execute_complete."""

from __future__ import annotations

import time

import pytest

from airflow_provider_realtimekit._compat import AirflowSensorTimeout, TaskDeferred
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAuthError,
    RealtimeKitConfigError,
    RealtimeKitError,
    RealtimeKitNotFoundError,
    RealtimeKitStreamError,
    RealtimeKitWaitError,
)
from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor
from airflow_provider_realtimekit.testing import Fault, Polls
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger

STOPPED = {"id": "s", "stopped_time": "2026-01-01T00:00:00.000Z", "err_message": None}


def sensor(**kwargs):
    return RealtimeKitLivestreamSessionSensor(task_id="wait", session_id="s", **kwargs)


def test_session_id_and_conn_id_are_templated():
    assert set(RealtimeKitLivestreamSessionSensor.template_fields) == {"session_id", "realtimekit_conn_id"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"poke_interval": 0}, "poke_interval"),
        ({"poke_interval": -5}, "poke_interval"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"max_consecutive_failures": -1}, "max_consecutive_failures"),
    ],
)
def test_bad_parameters_are_rejected_when_the_dag_is_parsed(kwargs, field):
    with pytest.raises(RealtimeKitConfigError, match=field):
        sensor(**kwargs)


def test_execute_complete_returns_the_event_payload():
    assert sensor().execute_complete({}, {"status": "success", "session": STOPPED}) == STOPPED


def test_execute_complete_raises_stream_error_quoting_err_message():
    errored = {**STOPPED, "err_message": "encoder died"}
    with pytest.raises(RealtimeKitStreamError, match="encoder died"):
        sensor().execute_complete({}, {"status": "stream_error", "session": errored})


def test_execute_complete_returns_errored_payload_when_tolerated():
    errored = {**STOPPED, "err_message": "encoder died"}
    event = {"status": "stream_error", "session": errored}
    assert sensor(fail_on_stream_error=False).execute_complete({}, event) == errored


def test_execute_complete_raises_sensor_timeout():
    with pytest.raises(AirflowSensorTimeout):
        sensor().execute_complete({}, {"status": "timeout", "message": "too slow"})


def test_execute_complete_raises_not_found():
    with pytest.raises(RealtimeKitNotFoundError):
        sensor().execute_complete({}, {"status": "not_found", "message": "no such session"})


@pytest.mark.parametrize(
    ("error_type", "expected"),
    [
        ("RealtimeKitAuthError", RealtimeKitAuthError),
        ("RealtimeKitWaitError", RealtimeKitWaitError),
        ("SomethingElse", RealtimeKitError),
        (None, RealtimeKitError),
    ],
)
def test_execute_complete_raises_the_reported_error_type(error_type, expected):
    with pytest.raises(expected, match="details"):
        sensor().execute_complete({}, {"status": "failed", "message": "details", "error_type": error_type})


@pytest.mark.parametrize(
    "event",
    [None, {}, {"status": "weird"}, {"status": "success"}, {"status": "success", "session": "x"}, "success", []],
)
def test_execute_complete_rejects_malformed_events(event):
    with pytest.raises(RealtimeKitError, match="Malformed trigger event"):
        sensor().execute_complete({}, event)


def test_deferrable_sensor_checks_once_then_defers_with_remaining_timeout(emulator, realtimekit_conn):
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"], stops_after=Polls(10))
    task = RealtimeKitLivestreamSessionSensor(
        task_id="wait", session_id=session["id"], deferrable=True, poke_interval=12, timeout=600
    )

    with pytest.raises(TaskDeferred) as deferred:
        task.execute({})

    trigger = deferred.value.trigger
    assert isinstance(trigger, RealtimeKitLivestreamSessionTrigger)
    assert trigger.session_id == session["id"] and trigger.poll_interval == 12
    assert trigger.deadline is not None
    assert deferred.value.method_name == "execute_complete"
    assert 600 <= deferred.value.timeout.total_seconds() <= 612
    assert len(emulator.requests) == 1


def test_deferrable_sensor_hands_its_failure_count_to_the_trigger(emulator, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"], stops_after=Polls(10))
    emulator.inject_fault("livestream_session", Fault.status(429, envelope="cloudflare", retry_after=30), times=1)
    task = RealtimeKitLivestreamSessionSensor(
        task_id="wait", session_id=session["id"], deferrable=True, poke_interval=12, max_consecutive_failures=5
    )

    with pytest.raises(TaskDeferred) as deferred:
        task.execute({})

    trigger = deferred.value.trigger
    assert trigger.failures_so_far == 1
    assert trigger.max_consecutive_failures == 5
    assert trigger.not_before is not None and trigger.not_before > time.time() + 25
    assert [r.status for r in emulator.requests] == [429]


def test_deferrable_sensor_hands_a_zero_count_after_a_good_check(emulator, realtimekit_conn):
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"], stops_after=Polls(10))
    task = RealtimeKitLivestreamSessionSensor(task_id="wait", session_id=session["id"], deferrable=True)

    with pytest.raises(TaskDeferred) as deferred:
        task.execute({})

    assert deferred.value.trigger.failures_so_far == 0
