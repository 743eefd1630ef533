"""Many triggers in one event loop, through the shared poller (real HTTP to the emulator, real sleeps)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from airflow_provider_realtimekit.hooks import async_client_pool
from airflow_provider_realtimekit.hooks.async_client_pool import clients_open
from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from airflow_provider_realtimekit.waits.poller_records import PollerOptions
from airflow_provider_realtimekit.waits.poller_registry import running_pollers, shared_poller
from tests.conftest import TOKEN
from tests.waits.conftest import routes, settings_for

INTERVAL = 0.2


async def until(condition, timeout: float = 30) -> None:
    """Wait until ``condition()`` holds (trigger start-up takes a while on a loaded machine)."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(INTERVAL / 4)

    await asyncio.wait_for(poll(), timeout)


async def run_to_event(trigger: RealtimeKitLivestreamSessionTrigger) -> dict:
    events = trigger.run()
    try:
        return (await events.__anext__()).payload
    finally:
        await events.aclose()


async def test_many_triggers_get_their_own_payloads_with_far_fewer_requests(emulator, realtimekit_conn):
    # The token's poller, made before the triggers subscribe, without pacing, so the rounds are quick.
    poller = shared_poller(settings_for(emulator), PollerOptions(rate=1000, first_poll_spread=0))
    sessions = [emulator.add_session(emulator.add_livestream()["id"], stops_after=60) for _ in range(16)]
    triggers = [RealtimeKitLivestreamSessionTrigger(s["id"], poll_interval=INTERVAL) for s in sessions]
    tasks = asyncio.gather(*(run_to_event(t) for t in triggers))
    while poller.stats.listing_answers < 16:  # every wait has been answered by the listing once
        await asyncio.sleep(INTERVAL / 4)
    emulator.advance(61)  # then every session stops

    events = await asyncio.wait_for(tasks, 60)

    assert [e["status"] for e in events] == ["success"] * 16
    assert [e["session"] for e in events] == [emulator.session(s["id"]) for s in sessions]
    counts = routes(emulator)
    # One first fetch and one final fetch per wait, plus one listing per cycle: independent polling
    # would have cost one request per wait per cycle.
    assert counts["livestream_session"] == 2 * 16
    assert counts["livestreams"] >= 2
    assert running_pollers() == [] and clients_open() == 0


async def test_a_trigger_given_its_livestream_needs_no_first_fetch(emulator, realtimekit_conn):
    sessions = [emulator.add_session(emulator.add_livestream()["id"]) for _ in range(10)]
    triggers = [
        RealtimeKitLivestreamSessionTrigger(s["id"], poll_interval=INTERVAL, livestream_id=s["livestream_id"])
        for s in sessions
    ]
    tasks = [asyncio.ensure_future(run_to_event(t)) for t in triggers]
    await until(lambda: any(poller.stats.listing_answers >= 20 for poller in running_pollers()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    assert routes(emulator)["livestream_session"] == 0
    assert routes(emulator)["livestreams"] >= 2


async def test_cancelled_triggers_unsubscribe_and_the_last_one_closes_the_poller(emulator, realtimekit_conn):
    sessions = [emulator.add_session(emulator.add_livestream()["id"]) for _ in range(3)]
    tasks = [
        asyncio.ensure_future(run_to_event(RealtimeKitLivestreamSessionTrigger(s["id"], poll_interval=INTERVAL)))
        for s in sessions
    ]
    await until(lambda: [p.waits for p in running_pollers()] == [3])
    [poller] = running_pollers()

    tasks[0].cancel()
    await asyncio.gather(tasks[0], return_exceptions=True)
    assert poller.waits == 2 and running_pollers() == [poller]

    for task in tasks[1:]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert running_pollers() == [] and clients_open() == 0


def test_a_new_process_resumes_every_wait_from_the_trigger_kwargs(emulator, realtimekit_conn):
    sessions = [emulator.add_session(emulator.add_livestream()["id"]) for _ in range(10)]
    triggers = [RealtimeKitLivestreamSessionTrigger(s["id"], poll_interval=INTERVAL) for s in sessions]

    async def first_life() -> None:  # the triggerer stops while every wait is under way
        tasks = [asyncio.ensure_future(run_to_event(t)) for t in triggers]
        await asyncio.sleep(3 * INTERVAL)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(first_life())
    rows = [trigger.serialize() for trigger in triggers]
    emulator.advance(3600)
    for session in sessions:  # they stop while no triggerer runs
        emulator.store.sessions[session["id"]].stop_at = emulator.clock.now() - 1

    async def second_life() -> list[dict]:  # a new loop, with the triggers rebuilt from their rows
        rebuilt = [RealtimeKitLivestreamSessionTrigger(**kwargs) for _, kwargs in rows]
        return list(await asyncio.gather(*(run_to_event(t) for t in rebuilt)))

    events = asyncio.run(second_life())

    assert [e["status"] for e in events] == ["success"] * 10
    assert [e["session"]["id"] for e in events] == [s["id"] for s in sessions]
    assert all(e["session"]["stopped_time"] for e in events)


async def test_two_connections_in_one_process_stay_apart(emulator, realtimekit_conn, monkeypatch):
    with RealtimeKitEmulator(token="other-token-Lm4Qa9", app_id="other-app", rng_seed=7) as other:
        monkeypatch.setenv("AIRFLOW_CONN_OTHER", other.connection_json())
        # Another connection id with the same token and app as realtimekit_default: it shares that poller.
        monkeypatch.setenv("AIRFLOW_CONN_ALIAS", emulator.connection_json())
        mine = emulator.add_session(emulator.add_livestream()["id"], stops_after=3.0)
        alias = emulator.add_session(emulator.add_livestream()["id"], stops_after=3.0)
        theirs = other.add_session(other.add_livestream()["id"], stops_after=3.0)
        triggers = [
            RealtimeKitLivestreamSessionTrigger(mine["id"], poll_interval=INTERVAL),
            RealtimeKitLivestreamSessionTrigger(alias["id"], realtimekit_conn_id="alias", poll_interval=INTERVAL),
            RealtimeKitLivestreamSessionTrigger(theirs["id"], realtimekit_conn_id="other", poll_interval=INTERVAL),
        ]
        tasks = [asyncio.ensure_future(run_to_event(t)) for t in triggers]
        await until(lambda: sorted(p.waits for p in running_pollers()) == [1, 2])

        events = await asyncio.wait_for(asyncio.gather(*tasks), 30)

        assert [e["session"] for e in events] == [
            emulator.session(mine["id"]),
            emulator.session(alias["id"]),
            other.session(theirs["id"]),
        ]
        assert {r.path.rsplit("/", 1)[-1] for r in other.requests} == {theirs["id"]}
        assert theirs["id"] not in {r.path.rsplit("/", 1)[-1] for r in emulator.requests}


@pytest.mark.parametrize("how", ["kwarg", "connection extra"])
async def test_a_trigger_can_poll_on_its_own(how, emulator, realtimekit_conn_with):
    realtimekit_conn_with(**({"shared_poller": False} if how == "connection extra" else {}))
    session = emulator.add_session(emulator.add_livestream()["id"], stops_after=3 * INTERVAL)
    trigger = RealtimeKitLivestreamSessionTrigger(session["id"], poll_interval=INTERVAL, shared_polling=how != "kwarg")
    task = asyncio.ensure_future(run_to_event(trigger))
    await asyncio.sleep(INTERVAL)
    assert running_pollers() == []

    event = await asyncio.wait_for(task, 30)

    assert event["status"] == "success"


def test_new_kwargs_round_trip_and_are_left_out_at_their_defaults():
    plain = RealtimeKitLivestreamSessionTrigger("s-1")
    assert "livestream_id" not in plain.serialize()[1] and "shared_polling" not in plain.serialize()[1]

    trigger = RealtimeKitLivestreamSessionTrigger("s-1", livestream_id="ls-1", shared_polling=False)
    classpath, kwargs = trigger.serialize()

    assert (kwargs["livestream_id"], kwargs["shared_polling"]) == ("ls-1", False)
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert RealtimeKitLivestreamSessionTrigger(**kwargs).serialize() == (classpath, kwargs)


async def test_the_http_client_is_built_off_the_event_loop_and_shared(emulator, realtimekit_conn, monkeypatch):
    built_in: list[str] = []
    original = async_client_pool._build_client

    def recording_build(*args, **kwargs):
        built_in.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(async_client_pool, "_build_client", recording_build)
    sessions = [emulator.add_session(emulator.add_livestream()["id"], stops_after=0.5) for _ in range(5)]

    events = await asyncio.wait_for(
        asyncio.gather(
            *(run_to_event(RealtimeKitLivestreamSessionTrigger(s["id"], poll_interval=INTERVAL)) for s in sessions)
        ),
        30,
    )

    assert [e["status"] for e in events] == ["success"] * 5
    assert len(built_in) == 1  # one client for the five triggers ...
    assert built_in[0] != threading.current_thread().name  # ... built in a worker thread
    assert TOKEN not in json.dumps(events)


async def test_triggers_starting_together_read_their_connection_once(emulator, realtimekit_conn, monkeypatch):
    from airflow_provider_realtimekit.waits import shared_connection

    reads: list[str] = []
    original = shared_connection.aget_connection

    async def counting_read(hook, conn_id):
        reads.append(conn_id)
        return await original(hook, conn_id)

    monkeypatch.setattr(shared_connection, "aget_connection", counting_read)
    sessions = [emulator.add_session(emulator.add_livestream()["id"], stops_after=0.3) for _ in range(10)]

    events = await asyncio.wait_for(
        asyncio.gather(
            *(run_to_event(RealtimeKitLivestreamSessionTrigger(s["id"], poll_interval=INTERVAL)) for s in sessions)
        ),
        30,
    )

    assert [e["status"] for e in events] == ["success"] * 10
    assert reads == ["realtimekit_default"]
