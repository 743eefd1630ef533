"""The session-ended watcher against the emulator (real HTTP on 127.0.0.1), cycle by cycle."""

from __future__ import annotations

import json

import requests

from airflow_provider_realtimekit.testing import Fault
from airflow_provider_realtimekit.triggers import RealtimeKitLivestreamSessionEndedTrigger
from tests.conftest import TOKEN
from tests.triggers.watch_driver import nothing

CLASSPATH = "airflow_provider_realtimekit.triggers.session_ended.RealtimeKitLivestreamSessionEndedTrigger"


def watcher(**kwargs) -> RealtimeKitLivestreamSessionEndedTrigger:
    return RealtimeKitLivestreamSessionEndedTrigger(poll_interval=5, **kwargs)


def routes(emulator) -> list[str]:
    return [record.route for record in emulator.requests]


def test_watcher_serializes_to_plain_json_and_round_trips():
    trigger = RealtimeKitLivestreamSessionEndedTrigger(
        realtimekit_conn_id="rtk",
        poll_interval=30,
        livestream_ids=["ls-1", "ls-2"],
        include_errored=False,
        since="2026-12-01T00:00:00Z",
    )
    classpath, kwargs = trigger.serialize()

    assert classpath == CLASSPATH
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert kwargs["since"] == "2026-12-01T00:00:00+00:00"
    assert RealtimeKitLivestreamSessionEndedTrigger(**kwargs).serialize() == (classpath, kwargs)


async def test_watcher_reports_a_session_of_a_livestream_created_after_it_started(emulator, realtimekit_conn, driver):
    created = {}

    def go_live():
        created["livestream"] = emulator.add_livestream(name="late-comer")
        created["session"] = emulator.add_session(created["livestream"]["id"], stops_after=5)

    events = await driver.watch(watcher(), [go_live, lambda: emulator.advance(6), nothing])

    session = emulator.session(created["session"]["id"])
    assert events == [
        {
            "session_id": session["id"],
            "livestream_id": created["livestream"]["id"],
            "stopped_time": session["stopped_time"],
            "err_message": None,
            "session": session,
        }
    ]


async def test_watcher_ignores_sessions_that_ended_before_it_first_started(emulator, realtimekit_conn, driver):
    livestream = emulator.add_livestream()
    emulator.add_session(livestream["id"], started=emulator.now().timestamp() - 120, stopped=emulator.now())

    assert await driver.watch(watcher(), [nothing, nothing]) == []


async def test_watcher_reports_two_back_to_back_sessions_once_each_in_order(emulator, realtimekit_conn, driver):
    livestream = emulator.add_livestream()
    start = emulator.now().timestamp() + 1
    first = emulator.add_session(livestream["id"], started=start, stops_after=5)
    second = emulator.add_session(livestream["id"], started=start + 5, stops_after=5)

    events = await driver.watch(watcher(), [lambda: emulator.advance(12), nothing, nothing])

    assert [event["session_id"] for event in events] == [first["id"], second["id"]]


async def test_watcher_reports_a_session_that_starts_and_ends_between_two_polls(emulator, realtimekit_conn, driver):
    livestream = emulator.add_livestream()
    added = {}

    def brief_stream():
        added["session"] = emulator.add_session(livestream["id"], started=emulator.now().timestamp() + 1, stops_after=2)
        emulator.advance(4)

    events = await driver.watch(watcher(), [brief_stream, nothing])

    assert [event["session_id"] for event in events] == [added["session"]["id"]]


async def test_watcher_reports_an_errored_session_with_its_error(emulator, realtimekit_conn, driver):
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"], stops_after=3, err_message="ingest lost")

    events = await driver.watch(watcher(), [lambda: emulator.advance(4)])

    assert [(event["session_id"], event["err_message"]) for event in events] == [(session["id"], "ingest lost")]
    assert events[0]["session"]["err_message"] == "ingest lost"


async def test_watcher_skips_errored_sessions_when_told_but_keeps_reporting(emulator, realtimekit_conn, driver):
    livestream = emulator.add_livestream()
    start = emulator.now().timestamp() + 1
    emulator.add_session(livestream["id"], started=start, stops_after=3, err_message="ingest lost")
    healthy = emulator.add_session(livestream["id"], started=start + 3, stops_after=3)

    events = await driver.watch(watcher(include_errored=False), [lambda: emulator.advance(8), nothing])

    assert [event["session_id"] for event in events] == [healthy["id"]]


async def test_watcher_reports_a_session_that_ended_during_a_429_lockout_once_after_it(
    emulator, realtimekit_conn_with, driver
):
    realtimekit_conn_with(max_attempts=1)  # every refused request is a failed cycle, not a retry
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"], stops_after=5)

    def lock_out_and_end_the_session():
        emulator.set_rate_limit(1, 300, lockout=True)
        for _ in range(2):  # someone else's requests spend the quota: the token is locked out for 300 s
            requests.get(f"{emulator.app_url}/livestreams", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        emulator.advance(6)

    events = await driver.watch(
        watcher(), [lock_out_and_end_the_session, lambda: emulator.set_rate_limit(None), nothing, nothing]
    )

    assert [event["session_id"] for event in events] == [session["id"]]
    assert driver.pauses[1] >= 290  # the failed cycle waited out the lockout's Retry-After
    assert driver.pauses[0] == driver.pauses[2] == 5


async def test_watcher_watches_only_the_livestreams_it_is_given(emulator, realtimekit_conn, driver):
    watched, other = emulator.add_livestream(), emulator.add_livestream()
    mine = emulator.add_session(watched["id"], stops_after=3)
    emulator.add_session(other["id"], stops_after=3)

    events = await driver.watch(watcher(livestream_ids=[watched["id"]]), [lambda: emulator.advance(4)])

    assert [event["session_id"] for event in events] == [mine["id"]]


async def test_watcher_leaves_out_meeting_livestreams_when_told(emulator, realtimekit_conn, driver):
    independent = emulator.add_livestream()
    meeting = emulator.add_livestream(meeting_id="meeting-1")
    mine = emulator.add_session(independent["id"], stops_after=3)
    emulator.add_session(meeting["id"], stops_after=3)

    events = await driver.watch(watcher(exclude_meetings=True), [lambda: emulator.advance(4)])

    assert [event["session_id"] for event in events] == [mine["id"]]


async def test_a_quiet_cycle_costs_only_the_listing_pages(emulator, realtimekit_conn, driver):
    for _ in range(150):  # two listing pages of 100
        emulator.add_livestream(created=emulator.now().timestamp() - 3600)

    await driver.watch(watcher(), [nothing, nothing])

    assert routes(emulator) == ["livestreams"] * 6


async def test_a_cycle_costs_one_fetch_per_changed_livestream_and_per_ended_session(emulator, realtimekit_conn, driver):
    livestream = emulator.add_livestream()
    emulator.add_session(livestream["id"], stops_after=3)

    def end_and_count():
        emulator.clear_requests()
        emulator.advance(4)

    await driver.watch(watcher(), [end_and_count])

    assert sorted(routes(emulator)) == ["livestream", "livestream_session", "livestreams"]


async def test_a_failed_fetch_delays_the_cycle_and_skips_no_session(emulator, realtimekit_conn_with, driver):
    realtimekit_conn_with(max_attempts=1)
    first, second = emulator.add_livestream(), emulator.add_livestream()
    earlier = emulator.add_session(first["id"], stops_after=3)
    later = emulator.add_session(second["id"], stops_after=4)

    faults = []

    def end_both_and_fail_one_fetch():
        emulator.advance(5)
        faults.append(emulator.inject_fault("livestream", Fault.status(503), times=1))

    events = await driver.watch(watcher(), [end_both_and_fail_one_fetch, nothing, nothing])

    assert faults[0].fired == 1
    assert [event["session_id"] for event in events] == [earlier["id"], later["id"]]
