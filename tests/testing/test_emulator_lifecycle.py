"""Session lifecycle by the emulator clock and by polls; livestream status follows the sessions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_realtimekit.testing import Polls, RealtimeKitEmulator
from airflow_provider_realtimekit.testing.clock import parse_timestamp
from tests.testing.emulator_client import EmulatorClient


def test_time_based_session_is_live_until_stops_after_has_passed(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=5.0)

    before = client.session_data(session["id"])
    emu.advance(5.0)
    after = client.session_data(session["id"])

    assert before["stopped_time"] is None
    assert after["stopped_time"] is not None


def test_stopped_time_is_started_plus_stops_after(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=2.5)
    emu.advance(timedelta(minutes=1))

    data = client.session_data(session["id"])

    assert parse_timestamp(data["stopped_time"]) - parse_timestamp(data["started_time"]) == pytest.approx(
        2.5, abs=0.002
    )
    assert data["updated_at"] == data["stopped_time"]


def test_err_message_appears_only_once_the_session_stopped(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=1, err_message="ingest lost")

    live = client.session_data(session["id"])
    emu.advance(2)
    stopped = client.session_data(session["id"])

    assert (live["err_message"], stopped["err_message"]) == (None, "ingest lost")


def test_livestream_status_is_live_while_a_session_is_live_then_idle(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream()
    emu.add_session(livestream["id"], stops_after=10)

    live = client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]["status"]
    emu.advance(11)
    idle = client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]["status"]

    assert (live, idle) == ("LIVE", "IDLE")


def test_polls_session_answers_live_n_times_then_stopped_at_the_next_poll(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=Polls(2))

    answers = [client.session_data(session["id"]) for _ in range(4)]

    assert [a["stopped_time"] is None for a in answers] == [True, True, False, False]
    assert answers[2]["stopped_time"] == answers[3]["stopped_time"]


def test_polls_stopped_time_is_the_time_of_the_stopping_poll(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=Polls(0))
    emu.advance(100)

    data = client.session_data(session["id"])

    stopping_poll = emu.requests[-1].time
    assert parse_timestamp(data["stopped_time"]) == pytest.approx(stopping_poll, abs=0.01)


def test_only_seed_endpoint_gets_count_as_polls(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream = emu.add_livestream()
    session = emu.add_session(livestream["id"], stops_after=Polls(1))

    client.app_get(f"/livestreams/{livestream['id']}")
    client.app_get(f"/livestreams/{livestream['id']}/active-livestream-session")
    emu.session(session["id"])
    first_poll = client.session_data(session["id"])

    assert first_poll["stopped_time"] is None


def test_session_without_stop_rule_stays_live(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"])
    emu.advance(timedelta(days=365))

    assert client.session_data(session["id"])["stopped_time"] is None


def test_already_finished_session(emu: RealtimeKitEmulator):
    stopped = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    session = emu.add_session(emu.add_livestream()["id"], started=stopped - timedelta(hours=1), stopped=stopped)

    assert session["stopped_time"] == "2024-01-01T12:00:00.000Z"
    assert session["started_time"] == "2024-01-01T11:00:00.000Z"


def test_naive_datetime_is_read_as_utc(emu: RealtimeKitEmulator):
    session = emu.add_session(emu.add_livestream()["id"], started=datetime(2024, 1, 1, 12, 0))

    assert session["started_time"] == "2024-01-01T12:00:00.000Z"


def test_emulator_session_view_matches_the_api_without_counting_a_poll(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    session = emu.add_session(emu.add_livestream()["id"], stops_after=Polls(0), id="fixed-session-id")

    before = emu.session("fixed-session-id")
    polled = client.session_data("fixed-session-id")

    assert before["stopped_time"] is None
    assert polled["stopped_time"] is not None
    assert session["id"] == "fixed-session-id"


def test_advance_moves_the_emulator_clock_forward(emu: RealtimeKitEmulator):
    before = emu.now()

    emu.advance(3600)

    assert emu.now() - before >= timedelta(hours=1)


def test_clock_never_goes_back(emu: RealtimeKitEmulator):
    with pytest.raises(ValueError):
        emu.advance(-1)


def test_add_session_rejects_unknown_livestream_and_conflicting_stop_rules(emu: RealtimeKitEmulator):
    livestream = emu.add_livestream()

    with pytest.raises(KeyError):
        emu.add_session("no-such-livestream")
    with pytest.raises(ValueError):
        emu.add_session(livestream["id"], stops_after=5, stopped="2024-01-01T00:00:00Z")
    with pytest.raises(ValueError):
        emu.add_session(livestream["id"], stops_after=Polls(-1))


def test_ids_are_kept_when_given_and_unique(emu: RealtimeKitEmulator):
    livestream = emu.add_livestream(id="ls-1")
    emu.add_session("ls-1", id="s-1")

    assert livestream["id"] == "ls-1"
    with pytest.raises(ValueError):
        emu.add_session("ls-1", id="s-1")


def test_initial_status_shows_until_the_first_session_then_status_is_derived(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    livestream = emu.add_livestream(status="LIVE")
    before = emu.livestream(livestream["id"])["status"]
    emu.add_session(livestream["id"], stops_after=5)
    emu.advance(6)

    after = client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]["status"]

    assert (before, after) == ("LIVE", "IDLE")
