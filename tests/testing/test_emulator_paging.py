"""Paging arithmetic: 1-based inclusive offsets, clamping, pages beyond the end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from airflow_provider_realtimekit.testing.paging import Page, PageRequest
from tests.testing.emulator_client import EmulatorClient


def _livestream_with_sessions(emu: RealtimeKitEmulator, count: int) -> str:
    livestream = emu.add_livestream()
    for index in range(count):
        emu.add_session(livestream["id"], started=1_600_000_000 + index, stops_after=10)
    return livestream["id"]


def test_first_page_reports_total_and_one_based_inclusive_offsets(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 45)

    body = client.app_get(f"/livestreams/{livestream_id}", page_no=1, per_page=20).json()

    assert len(body["data"]["sessions"]) == 20
    assert body["paging"] == {"total_count": 45, "start_offset": 1, "end_offset": 20}


def test_last_partial_page_ends_at_total_count(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 45)

    body = client.app_get(f"/livestreams/{livestream_id}", page_no=3, per_page=20).json()

    assert len(body["data"]["sessions"]) == 5
    assert body["paging"] == {"total_count": 45, "start_offset": 41, "end_offset": 45}


def test_page_beyond_the_last_is_empty_with_consistent_paging(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 45)

    body = client.app_get(f"/livestreams/{livestream_id}", page_no=4, per_page=20).json()

    assert body["data"]["sessions"] == []
    assert body["paging"] == {"total_count": 45, "start_offset": 61, "end_offset": 60}


def test_pages_together_hold_every_session_once(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 45)

    ids = [
        session["id"]
        for page_no in (1, 2, 3)
        for session in client.app_get(f"/livestreams/{livestream_id}", page_no=page_no, per_page=20).json()["data"][
            "sessions"
        ]
    ]

    assert len(ids) == len(set(ids)) == 45


def test_page_no_zero_is_treated_like_page_one(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 3)

    zero = client.app_get(f"/livestreams/{livestream_id}", page_no=0, per_page=2).json()
    one = client.app_get(f"/livestreams/{livestream_id}", page_no=1, per_page=2).json()

    assert zero == one


def test_per_page_defaults_to_20_and_is_clamped_to_100(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 150)

    default = client.app_get(f"/livestreams/{livestream_id}").json()
    clamped = client.app_get(f"/livestreams/{livestream_id}", per_page=1000).json()

    assert default["paging"]["end_offset"] == 20
    assert clamped["paging"]["end_offset"] == 100


def test_per_page_default_and_maximum_are_configurable(emu: RealtimeKitEmulator, client: EmulatorClient):
    livestream_id = _livestream_with_sessions(emu, 30)
    emu.set_variants(per_page_default=5, per_page_max=10)

    default = client.app_get(f"/livestreams/{livestream_id}").json()
    clamped = client.app_get(f"/livestreams/{livestream_id}", per_page=50).json()

    assert default["paging"]["end_offset"] == 5
    assert clamped["paging"]["end_offset"] == 10


def test_livestreams_list_is_paged_the_same_way(emu: RealtimeKitEmulator, client: EmulatorClient):
    for index in range(7):
        emu.add_livestream(f"s{index}")

    body = client.app_get("/livestreams", page_no=2, per_page=3).json()

    assert len(body["data"]) == 3
    assert body["paging"] == {"total_count": 7, "start_offset": 4, "end_offset": 6}


@given(
    total=st.integers(min_value=0, max_value=300),
    per_page=st.integers(min_value=1, max_value=100),
    index=st.integers(min_value=0, max_value=400),
)
def test_page_offsets_are_consistent_for_any_size(total: int, per_page: int, index: int):
    items = list(range(total))

    page = Page.of(items, PageRequest(index=index, per_page=per_page))

    assert page.total_count == total
    assert page.start_offset == index * per_page + 1
    assert page.end_offset - page.start_offset + 1 == len(page.items)
    assert page.items == items[page.start_offset - 1 : page.end_offset]
    assert len(page.items) <= per_page
