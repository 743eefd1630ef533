"""Bulk seeding: deterministic, realistic, fast enough for 100,000 sessions, served through the API."""

from __future__ import annotations

import time

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from airflow_provider_realtimekit.testing.clock import parse_timestamp
from tests.testing.emulator_client import TOKEN, EmulatorClient

START = "2024-01-01T00:00:00Z"
END = "2024-02-01T00:00:00Z"


def _seeded(rng_seed: int) -> tuple[list[str], list[str]]:
    emulator = RealtimeKitEmulator(token=TOKEN)  # never started: seeding needs no server
    livestream_ids = emulator.seed(n_livestreams=3, sessions_each=20, start=START, end=END, rng_seed=rng_seed)
    return livestream_ids, sorted(emulator.store.sessions)


def test_seeding_is_deterministic_for_the_same_seed():
    assert _seeded(7) == _seeded(7)
    assert _seeded(7) != _seeded(8)


def test_seeded_sessions_are_finished_within_the_window(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = emu.seed(n_livestreams=1, sessions_each=50, start=START, end=END)[0]

    sessions = client.app_get(f"/livestreams/{livestream_id}", per_page=100).json()["data"]["sessions"]

    assert len(sessions) == 50
    for session in sessions:
        assert parse_timestamp(START) <= parse_timestamp(session["started_time"])
        assert parse_timestamp(session["stopped_time"]) <= parse_timestamp(END)
    assert any(session["viewer_seconds"] != int(session["viewer_seconds"]) for session in sessions)


def test_analytics_totals_match_the_seeded_sessions(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.seed(n_livestreams=2, sessions_each=30, start=START, end=END)
    sessions = list(emu.store.sessions.values())

    data = client.app_get("/analytics/livestreams/overall", start_time=START, end_time=END).json()["data"]

    assert data["count"] == 60
    assert data["total_ingest_seconds"] == sum(s.ingest_seconds for s in sessions)


def test_one_hundred_thousand_sessions_load_and_serve(emu: RealtimeKitEmulator, client: EmulatorClient, capsys):
    began = time.perf_counter()
    livestream_ids = emu.seed(n_livestreams=10, sessions_each=10_000, start=START, end=END)
    seeded = time.perf_counter() - began

    began = time.perf_counter()
    page = client.app_get(f"/livestreams/{livestream_ids[0]}", page_no=50, per_page=100).json()
    first_page = time.perf_counter() - began
    began = time.perf_counter()
    overall = client.app_get("/analytics/livestreams/overall").json()["data"]
    analytics = time.perf_counter() - began

    with capsys.disabled():
        print(f"\n[seed] 100,000 sessions: {seeded:.2f} s", end="; ")
        print(f"L3 page 50: {first_page * 1000:.0f} ms; A1: {analytics * 1000:.0f} ms")
    assert page["paging"] == {"total_count": 10_000, "start_offset": 4901, "end_offset": 5000}
    assert overall["count"] == 100_000


def test_sessions_seeded_up_to_a_future_end_can_still_be_live(emu: RealtimeKitEmulator, client: EmulatorClient):
    now = emu.now().timestamp()
    livestream_id = emu.seed(n_livestreams=1, sessions_each=200, start=now - 3600, end=now + 3600)[0]

    status = client.app_get(f"/livestreams/{livestream_id}").json()["data"]["livestream"]["status"]
    active = client.app_get(f"/livestreams/{livestream_id}/active-livestream-session")

    assert status == "LIVE"
    assert active.status_code == 200


def test_seeding_after_adding_data_by_hand_does_not_collide(emu: RealtimeKitEmulator):
    emu.add_session(emu.add_livestream()["id"])

    emu.seed(n_livestreams=2, sessions_each=5, start=START, end=END)

    assert len(emu.store.livestreams) == 3
