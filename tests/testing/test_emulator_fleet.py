"""Ending sessions on demand, live fleets, livestreams added while serving, and request counts."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator, RequestCounts
from airflow_provider_realtimekit.testing.clock import parse_timestamp
from tests.testing.emulator_client import EmulatorClient


def test_end_session_stops_a_live_session_for_the_next_get(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"])
    assert client.session_data(session["id"])["stopped_time"] is None

    ended = emu.end_session(session["id"])

    assert ended["stopped_time"] is not None
    assert client.session_data(session["id"])["stopped_time"] == ended["stopped_time"]


def test_end_session_at_a_given_instant_uses_it_as_the_stop_time(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], started="2026-01-01T10:00:00Z")

    emu.end_session(session["id"], at="2026-01-01T10:30:00Z")

    assert client.session_data(session["id"])["stopped_time"] == "2026-01-01T10:30:00.000Z"


def test_end_session_in_the_future_schedules_the_stop(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"])

    emu.end_session(session["id"], at=emu.clock.now() + 60)

    assert client.session_data(session["id"])["stopped_time"] is None
    emu.advance(60)
    assert client.session_data(session["id"])["stopped_time"] is not None


def test_end_session_makes_the_livestream_idle(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream()
    session = emu.add_session(livestream["id"])
    assert client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]["status"] == "LIVE"

    emu.end_session(session["id"])

    assert client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]["status"] == "IDLE"


def test_end_session_refuses_an_unknown_or_stopped_session(emu: RealtimeKitEmulator):
    session = emu.add_session(
        emu.add_livestream()["id"], stopped="2026-01-01T00:00:00Z", started="2025-12-31T23:00:00Z"
    )

    with pytest.raises(KeyError, match="unknown livestream session"):
        emu.end_session("no-such-session")
    with pytest.raises(ValueError, match="already stopped"):
        emu.end_session(session["id"])


def test_livestreams_added_while_serving_are_listed(emu: RealtimeKitEmulator, client: EmulatorClient):
    assert client.app_get("/livestreams").json()["data"] == []

    added = emu.add_livestream("late-arrival")
    emu.add_session(added["id"])

    listed = client.app_get("/livestreams", status="LIVE").json()["data"]
    assert [item["id"] for item in listed] == [added["id"]]


def test_live_fleet_has_one_live_session_per_livestream(emu: RealtimeKitEmulator, client: EmulatorClient):
    fleet = emu.add_live_fleet(5, stop_spread=100, seed=3)

    listed = client.app_get("/livestreams", status="LIVE", per_page=50).json()["data"]

    assert len(fleet) == 5
    assert sorted(item["id"] for item in listed) == sorted(session["livestream_id"] for session in fleet)
    assert all(client.session_data(session["id"])["stopped_time"] is None for session in fleet)


def test_live_fleet_sessions_stop_within_the_spread(emu: RealtimeKitEmulator, client: EmulatorClient):
    fleet = emu.add_live_fleet(20, stop_spread=100, seed=3)

    emu.advance(100)
    stopped = [client.session_data(session["id"]) for session in fleet]

    offsets = [parse_timestamp(s["stopped_time"]) - parse_timestamp(s["started_time"]) for s in stopped]
    assert all(0 < offset <= 100.001 for offset in offsets)
    assert len({round(offset, 3) for offset in offsets}) == 20  # each at its own moment


def test_live_fleet_is_reproducible_with_a_seed(emu: RealtimeKitEmulator):
    first = [session["id"] for session in emu.add_live_fleet(3, seed=7)]
    emu.reset()
    again = [session["id"] for session in emu.add_live_fleet(3, seed=7)]

    assert first == again


def test_a_second_fleet_with_the_same_seed_gets_new_livestreams(emu: RealtimeKitEmulator):
    emu.add_live_fleet(3, seed=7)
    emu.add_live_fleet(3, seed=7)

    names = sorted(emu.livestream(ls_id)["name"] for ls_id in emu.store.livestreams)
    assert names == [f"fleet-stream-{n:03d}" for n in range(1, 7)]


def test_live_fleet_without_spread_stays_live_until_ended(emu: RealtimeKitEmulator, client: EmulatorClient):
    (session,) = emu.add_live_fleet(1, stop_spread=None)

    emu.advance(86400)

    assert client.session_data(session["id"])["stopped_time"] is None


def test_live_fleet_refuses_a_negative_count_or_spread(emu: RealtimeKitEmulator):
    with pytest.raises(ValueError, match="n >= 0"):
        emu.add_live_fleet(-1)
    with pytest.raises(ValueError, match="stop_spread"):
        emu.add_live_fleet(1, stop_spread=0)


def test_request_counts_by_route_and_status(emu: RealtimeKitEmulator, client: EmulatorClient):
    client.app_get("/livestreams")
    client.app_get("/livestreams")
    client.app_get("/livestreams/sessions/unknown-id")

    counts = emu.request_counts()

    assert isinstance(counts, RequestCounts)
    assert counts.total == 3
    assert counts.by_route == {"livestreams": 2, "livestream_session": 1}
    assert counts.by_status == {200: 2, 404: 1}
    assert counts.as_json()["by_status"] == {"200": 2, "404": 1}


def test_howto_live_fleet_and_request_log():
    import requests as http

    # [START howto_live_fleet]
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator, ShapeVariants

    with RealtimeKitEmulator(token="test-token", port=0, variants=ShapeVariants.definition()) as emulator:
        emulator.seed(n_livestreams=2, sessions_each=50, rng_seed=1)  # finished history, for usage pulls
        fleet = emulator.add_live_fleet(30, stop_spread=600, seed=7)  # 30 live sessions, each stops within 10 min
        emulator.end_session(fleet[0]["id"])  # this one stops now

        # ... run your DAG here, against emulator.connection_json() ...
        http.get(
            f"{emulator.app_url}/livestreams/sessions/{fleet[0]['id']}",
            headers={"Authorization": "Bearer test-token"},
        )

        emulator.advance(600)  # every fleet session has stopped now
        record = emulator.requests[-1]  # RequestRecord(method, path, query, auth_ok, status, time, route)
        counts = emulator.request_counts()  # RequestCounts(total, by_route, by_status)
    # [END howto_live_fleet]

    assert (record.route, record.status, record.auth_ok) == ("livestream_session", 200, True)
    assert counts.by_route == {"livestream_session": 1}
    assert emulator.session(fleet[1]["id"])["stopped_time"] is not None
