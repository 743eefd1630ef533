"""The shared poller against the emulator (real HTTP): what one cycle of many waits costs, request by request."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from airflow_provider_realtimekit.exceptions import RealtimeKitNotFoundError
from airflow_provider_realtimekit.testing import Fault, Polls
from airflow_provider_realtimekit.waits.poller import Subscription
from airflow_provider_realtimekit.waits.poller_records import PollerOptions
from airflow_provider_realtimekit.waits.poller_registry import shared_poller
from tests.waits.conftest import routes

#: No first-poll spread, so that a test's rounds are exact, and no pacing to slow the test down.
OPTIONS = PollerOptions(first_poll_spread=0, rate=1000)
#: The waits' poll interval: the poller spaces its walks of the listing by a part of it.
INTERVAL = 0.05


async def observe_all(subscriptions: list[Subscription]) -> list[dict | None]:
    return list(await asyncio.gather(*(subscription.observe() for subscription in subscriptions)))


async def subscribe_all(stack: AsyncExitStack, settings, session_ids: list[str]) -> list[Subscription]:
    poller = shared_poller(settings, OPTIONS)
    return [
        await stack.enter_async_context(poller.subscribe(session_id, poll_interval=INTERVAL))
        for session_id in session_ids
    ]


def live_sessions(emulator, count: int, **session_kwargs) -> list[dict]:
    return [emulator.add_session(emulator.add_livestream()["id"], **session_kwargs) for _ in range(count)]


async def test_a_cycle_of_20_live_waits_costs_one_listing_request_and_no_fetch(emulator, settings):
    sessions = live_sessions(emulator, 20)
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [s["id"] for s in sessions])
        first = await observe_all(waits)  # every wait's first answer is its own fetch
        assert [payload["id"] for payload in first] == [s["id"] for s in sessions]
        assert routes(emulator) == {"livestream_session": 20}
        emulator.clear_requests()

        assert await observe_all(waits) == [None] * 20
        assert routes(emulator) == {"livestreams": 1}
        assert emulator.requests[0].query["status"] == "LIVE"


async def test_a_stop_costs_one_fetch_that_carries_the_final_payload(emulator, settings):
    sessions = live_sessions(emulator, 19)
    stopping = emulator.add_session(emulator.add_livestream()["id"], stops_after=60)
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [s["id"] for s in [*sessions, stopping]])
        await observe_all(waits)
        await observe_all(waits)
        emulator.advance(61)
        emulator.clear_requests()

        answers = await observe_all(waits)

    assert answers[:19] == [None] * 19
    assert answers[19] == emulator.session(stopping["id"])
    assert answers[19]["stopped_time"]
    assert routes(emulator) == {"livestreams": 1, "livestream_session": 1}


async def test_waits_on_the_same_session_share_its_fetch(emulator, settings):
    session = emulator.add_session(emulator.add_livestream()["id"], stops_after=60)
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [session["id"]] * 10)
        assert len({payload["id"] for payload in await observe_all(waits)}) == 1
        assert routes(emulator) == {"livestream_session": 1}
        await observe_all(waits)  # answered by the listing
        emulator.advance(61)
        emulator.clear_requests()

        answers = await observe_all(waits)

    assert all(answer is not None and answer["stopped_time"] for answer in answers)
    assert routes(emulator) == {"livestreams": 1, "livestream_session": 1}


async def test_few_waits_poll_their_sessions_directly_and_share_a_fetch(emulator, settings):
    session = emulator.add_session(emulator.add_livestream()["id"])
    other = emulator.add_session(emulator.add_livestream()["id"])
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [session["id"], session["id"], other["id"]])
        for _ in range(3):
            answers = await observe_all(waits)
            assert [a["id"] for a in answers] == [session["id"], session["id"], other["id"]]

    # Below `coalesce_from` waits the listing would save nothing: two fetches a round, one of them shared.
    assert routes(emulator) == {"livestream_session": 6}


async def test_a_livestream_that_went_live_again_with_a_new_session_ends_the_wait_for_the_old_one(emulator, settings):
    sessions = live_sessions(emulator, 9)
    livestream = emulator.add_livestream(name="relaunched")
    old = emulator.add_session(livestream["id"], stops_after=30)
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [s["id"] for s in [*sessions, old]])
        await observe_all(waits)
        assert await observe_all(waits) == [None] * 10
        emulator.advance(31)  # the old session stops ...
        emulator.add_session(livestream["id"])  # ... and the livestream goes live again with a new one
        assert emulator.livestream(livestream["id"])["status"] == "LIVE"
        emulator.clear_requests()

        answers = await observe_all(waits)

    assert answers[:9] == [None] * 9
    assert answers[9]["id"] == old["id"] and answers[9]["stopped_time"]
    assert routes(emulator) == {"livestreams": 1, "livestream_session": 1}


async def test_an_unknown_session_raises_not_found_while_the_others_wait_on(emulator, settings):
    sessions = live_sessions(emulator, 9)
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [*(s["id"] for s in sessions), "no-such-session"])
        answers = await asyncio.gather(*(w.observe() for w in waits), return_exceptions=True)

    assert isinstance(answers[9], RealtimeKitNotFoundError)
    assert [a["id"] for a in answers[:9]] == [s["id"] for s in sessions]  # type: ignore[index]


async def test_a_listing_the_server_refuses_switches_to_direct_fetches(emulator, settings):
    sessions = live_sessions(emulator, 10)
    emulator.inject_fault("livestreams", Fault.status(400))
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [s["id"] for s in sessions])
        await observe_all(waits)
        emulator.clear_requests()

        answers = await observe_all(waits)
        assert [a["id"] for a in answers] == [s["id"] for s in sessions]
        assert routes(emulator) == {"livestreams": 1, "livestream_session": 10}
        emulator.clear_requests()

        await observe_all(waits)  # never asked again
        assert routes(emulator) == {"livestream_session": 10}


async def test_a_session_the_listing_keeps_live_is_still_fetched_every_audit_every_polls(emulator, settings):
    # Polls(n) sessions stop only when fetched: the audit is what ends such a wait under the listing.
    sessions = live_sessions(emulator, 9)
    polled = emulator.add_session(emulator.add_livestream()["id"], stops_after=Polls(1))
    poller = shared_poller(settings, PollerOptions(first_poll_spread=0, rate=1000, audit_every=3, audit_share=1))
    async with AsyncExitStack() as stack:
        waits = [
            await stack.enter_async_context(poller.subscribe(s["id"], poll_interval=INTERVAL))
            for s in [*sessions, polled]
        ]
        rounds = 0
        while (answer := (await observe_all(waits))[9]) is None or not answer["stopped_time"]:
            rounds += 1
            assert rounds < 30

    # Its first fetch (live), 3 listing answers, then an audit fetch (stopped) as soon as the allowance,
    # which grants one audit at a time to the 10 waits due together (it asks last in each round), gives it one.
    assert 4 <= rounds <= 4 + 10
    assert poller.stats.audits >= 1


@pytest.mark.parametrize("first_poll_spread", [0.0, 0.3])
async def test_the_poller_closes_with_its_last_wait_and_a_new_one_starts_on_demand(
    emulator, settings, first_poll_spread
):
    from airflow_provider_realtimekit.hooks.async_client_pool import clients_open
    from airflow_provider_realtimekit.waits.poller_registry import running_pollers

    session = emulator.add_session(emulator.add_livestream()["id"])
    poller = shared_poller(settings, PollerOptions(first_poll_spread=first_poll_spread))
    async with poller.subscribe(session["id"]) as first:
        async with poller.subscribe(session["id"]) as second:
            await observe_all([first, second])
            assert running_pollers() == [poller] and clients_open() == 1
        assert poller.waits == 1 and clients_open() == 1
    assert running_pollers() == [] and clients_open() == 0
    assert shared_poller(settings) is not poller


@pytest.mark.parametrize(("waits", "walks_per_interval"), [(2, 1.0), (12, 1.5), (30, 3.0)])
async def test_a_wait_the_listing_answered_asks_again_when_the_next_walk_can_begin(
    emulator, settings, waits, walks_per_interval
):
    # 2 waits: each is fetched, so a wait asks again after its whole interval. 12: W = 12 / 8 walks per interval.
    # 30: W is capped at 3. Asking sooner than interval / W would only be held until the next walk began.
    sessions = live_sessions(emulator, waits)
    async with AsyncExitStack() as stack:
        subscriptions = await subscribe_all(stack, settings, [s["id"] for s in sessions])
        await observe_all(subscriptions)

        assert subscriptions[0].listing_pause(INTERVAL) == pytest.approx(INTERVAL / walks_per_interval)
        assert subscriptions[0].listing_pause(INTERVAL / 10) == INTERVAL / 10  # never more than its own interval


async def test_the_walks_follow_the_shortest_interval_of_the_waits_still_subscribed(emulator, settings):
    sessions = live_sessions(emulator, 31)
    async with AsyncExitStack() as stack:
        waits = await subscribe_all(stack, settings, [s["id"] for s in sessions[:30]])
        poller = shared_poller(settings, OPTIONS)
        async with poller.subscribe(sessions[30]["id"], poll_interval=INTERVAL / 2):
            assert waits[0].listing_pause(INTERVAL) == pytest.approx(INTERVAL / 2 / 3)
        assert waits[0].listing_pause(INTERVAL) == pytest.approx(INTERVAL / 3)
