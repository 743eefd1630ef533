"""The trigger on its own: serialization, polling (sleep patched, real HTTP to the emulator), events."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from airflow.triggers.base import TriggerEvent

from airflow_provider_realtimekit.testing import Fault, Polls
from airflow_provider_realtimekit.triggers import realtimekit as trigger_module
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from airflow_provider_realtimekit.waits import token_gates
from tests.conftest import TOKEN

CLASSPATH = "airflow_provider_realtimekit.triggers.realtimekit.RealtimeKitLivestreamSessionTrigger"


@pytest.fixture
def pauses(monkeypatch):
    """Patch the trigger's sleep: record each pause and return at once (the instant token gates see it pass)."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        token_gates.pass_instant_time(seconds)

    monkeypatch.setattr(trigger_module, "sleep", fake_sleep)
    return recorded


@pytest.fixture
def livestream(emulator, realtimekit_conn):
    return emulator.add_livestream(name="studio-b")


async def first_event(trigger: RealtimeKitLivestreamSessionTrigger) -> dict:
    events = trigger.run()
    event = await events.__anext__()
    await events.aclose()
    assert isinstance(event, TriggerEvent)
    return event.payload


def test_trigger_serializes_to_plain_json_and_round_trips():
    trigger = RealtimeKitLivestreamSessionTrigger(
        session_id="s-1",
        realtimekit_conn_id="rtk",
        poll_interval=15,
        deadline=1_900_000_000.5,
        max_consecutive_failures=3,
    )
    classpath, kwargs = trigger.serialize()

    assert classpath == CLASSPATH
    assert json.loads(json.dumps(kwargs)) == kwargs
    rebuilt = RealtimeKitLivestreamSessionTrigger(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)


async def test_trigger_polls_at_interval_until_stopped(emulator, livestream, pauses):
    session = emulator.add_session(livestream["id"], stops_after=Polls(3))
    trigger = RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=7)

    event = await first_event(trigger)

    assert event["status"] == "success"
    assert event["session"] == emulator.session(session["id"])
    assert pauses == [7, 7, 7]
    assert len([r for r in emulator.requests if r.route == "livestream_session"]) == 4


async def test_trigger_reports_stream_error_with_payload(emulator, livestream, pauses):
    session = emulator.add_session(livestream["id"], stops_after=Polls(0), err_message="ingest lost")

    event = await first_event(RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=1))

    assert event["status"] == "stream_error"
    assert event["session"]["err_message"] == "ingest lost"


async def test_trigger_reports_not_found_without_waiting(emulator, livestream, pauses):
    event = await first_event(RealtimeKitLivestreamSessionTrigger("nope", poll_interval=1))

    assert event["status"] == "not_found"
    assert event["error_type"] == "RealtimeKitNotFoundError"
    assert pauses == []


async def test_trigger_fails_at_once_on_auth_error(emulator, livestream, pauses, monkeypatch):
    conn = json.loads(emulator.connection_json())
    conn["password"] = "wrong-token-value"
    monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(conn))

    event = await first_event(RealtimeKitLivestreamSessionTrigger("s", poll_interval=1))

    assert event["status"] == "failed"
    assert event["error_type"] == "RealtimeKitAuthError"
    assert pauses == []


async def test_trigger_fails_with_config_error_when_connection_lacks_app_id(emulator, pauses, monkeypatch):
    conn = json.loads(emulator.connection_json())
    del conn["extra"]["app_id"]
    monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(conn))

    event = await first_event(RealtimeKitLivestreamSessionTrigger("s", poll_interval=1))

    assert event["status"] == "failed"
    assert event["error_type"] == "RealtimeKitConfigError"
    assert "app_id" in event["message"] and "realtimekit_default" in event["message"]
    assert emulator.requests == []


async def test_trigger_tolerates_transient_failures_within_budget(emulator, livestream, pauses, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"], stops_after=Polls(1))
    emulator.inject_fault("livestream_session", Fault.status(503), times=2)

    event = await first_event(
        RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=2, max_consecutive_failures=2)
    )

    assert event["status"] == "success"
    assert [r.status for r in emulator.requests] == [503, 503, 200, 200]


async def test_trigger_fails_when_failure_budget_is_spent(emulator, livestream, pauses, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"])
    emulator.inject_fault("livestream_session", Fault.status(500), times=10)

    event = await first_event(
        RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=2, max_consecutive_failures=2)
    )

    assert event["status"] == "failed"
    assert event["error_type"] == "RealtimeKitWaitError"
    assert len(emulator.requests) == 3


async def test_trigger_waits_at_least_retry_after_when_rate_limited(
    emulator, livestream, pauses, realtimekit_conn_with
):
    realtimekit_conn_with(retry_after_cap=5)  # a 300 s lockout is beyond the hook's cap: the trigger waits it out
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))
    emulator.inject_fault("livestream_session", Fault.status(429, envelope="cloudflare", retry_after=300), times=1)

    event = await first_event(RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=2))

    assert event["status"] == "success"
    assert pauses == [300]


async def test_trigger_times_out_at_its_absolute_deadline(emulator, livestream, pauses):
    session = emulator.add_session(livestream["id"])
    deadline = time.time() + 0.5

    event = await first_event(RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=60, deadline=deadline))

    assert event["status"] == "timeout"
    assert pauses and pauses[0] <= 0.5  # it sleeps only up to the deadline, not a whole interval


async def test_trigger_closes_its_http_client_when_cancelled(emulator, livestream, monkeypatch):
    import httpx

    closed: list[bool] = []
    original = httpx.AsyncClient.aclose

    async def recording_aclose(self):
        closed.append(True)
        await original(self)

    monkeypatch.setattr(httpx.AsyncClient, "aclose", recording_aclose)
    session = emulator.add_session(livestream["id"])
    trigger = RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=30)

    task = asyncio.ensure_future(first_event(trigger))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert closed == [True]


def test_trigger_repr_and_kwargs_hold_no_token():
    trigger = RealtimeKitLivestreamSessionTrigger("s", realtimekit_conn_id="rtk")
    assert TOKEN not in repr(trigger) + json.dumps(trigger.serialize()[1])


# -- a failure streak the sensor started before deferring (failures_so_far) ---------------------------------


@pytest.mark.parametrize("failures_so_far", [0, 1, 2, 3])
async def test_trigger_seeded_with_failures_so_far_spends_only_the_rest_of_the_budget(
    failures_so_far, emulator, livestream, pauses, capfd, realtimekit_conn_with
):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"])
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"))

    event = await first_event(
        RealtimeKitLivestreamSessionTrigger(
            session["id"], poll_interval=2, max_consecutive_failures=3, failures_so_far=failures_so_far
        )
    )

    assert event["status"] == "failed"
    assert event["error_type"] == "RealtimeKitWaitError"
    assert "after 4 failed polls in a row" in event["message"]  # the streak counts the sensor's failures too
    assert len(emulator.requests) == 3 + 1 - failures_so_far
    # Each warning continues the count where the sensor left it.
    output = capfd.readouterr()
    counts = re.findall(r"failed \((\d+) of 3 tolerated in a row\)", output.out + output.err)
    assert counts == [str(n) for n in range(failures_so_far + 1, 4)]


async def test_trigger_seeded_streak_ends_with_its_first_success(emulator, livestream, pauses, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"])  # stays live
    emulator.inject_fault("livestream_session", Fault.delay(0), times=1)  # the first poll is answered
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"))

    event = await first_event(
        RealtimeKitLivestreamSessionTrigger(
            session["id"], poll_interval=2, max_consecutive_failures=2, failures_so_far=2
        )
    )

    # Seeded at the edge of the budget, but the answered poll resets it: a fresh streak of three ends the wait.
    assert event["status"] == "failed"
    assert [r.status for r in emulator.requests] == [200, 503, 503, 503]


async def test_trigger_seeded_streak_within_budget_still_succeeds(emulator, livestream, pauses, realtimekit_conn_with):
    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"], stops_after=Polls(0))
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"), times=1)

    event = await first_event(
        RealtimeKitLivestreamSessionTrigger(
            session["id"], poll_interval=2, max_consecutive_failures=2, failures_so_far=1
        )
    )

    assert event["status"] == "success"
    assert [r.status for r in emulator.requests] == [503, 200]


def test_failures_so_far_survives_the_stored_trigger_row():
    from airflow.models.trigger import Trigger

    trigger = RealtimeKitLivestreamSessionTrigger(
        "s-1", poll_interval=5, deadline=1_900_000_000.0, max_consecutive_failures=4, failures_so_far=3
    )
    classpath, kwargs = trigger.serialize()

    assert kwargs["failures_so_far"] == 3
    assert json.loads(json.dumps(kwargs)) == kwargs
    row = Trigger.from_object(trigger)  # what the triggerer stores and reads back
    rebuilt = RealtimeKitLivestreamSessionTrigger(**row.kwargs)
    assert rebuilt.failures_so_far == 3
    assert rebuilt.serialize() == (classpath, kwargs)


#: A trigger row written by a provider release that had no ``failures_so_far`` kwarg.
OLD_KWARGS = {
    "session_id": "",
    "realtimekit_conn_id": "realtimekit_default",
    "poll_interval": 2.0,
    "deadline": None,
    "max_consecutive_failures": 2,
    "not_before": None,
}


async def test_trigger_stored_without_failures_so_far_still_runs_with_a_fresh_budget(
    emulator, livestream, pauses, realtimekit_conn_with
):
    from airflow.models.trigger import Trigger

    realtimekit_conn_with(max_attempts=1)
    session = emulator.add_session(livestream["id"])
    emulator.inject_fault("livestream_session", Fault.status(503, envelope="cloudflare"))
    # Stored and read back the way the triggerer does, as a row written before the upgrade would be.
    row = Trigger(classpath=CLASSPATH, kwargs={**OLD_KWARGS, "session_id": session["id"]})

    trigger = RealtimeKitLivestreamSessionTrigger(**row.kwargs)
    event = await first_event(trigger)

    assert trigger.failures_so_far == 0
    assert trigger.serialize()[1] == {**OLD_KWARGS, "session_id": session["id"], "failures_so_far": 0}
    assert event["status"] == "failed"
    assert len(emulator.requests) == 3  # two tolerated, the third fails the wait: nothing was carried over


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True, None])
def test_trigger_refuses_a_bad_failures_so_far(bad):
    from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError

    with pytest.raises(RealtimeKitConfigError, match="failures_so_far"):
        RealtimeKitLivestreamSessionTrigger("s", failures_so_far=bad)
