"""Every response-shape variant, so clients can be tested against each shape the real API might use."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator, ShapeVariants
from tests.testing.emulator_client import EmulatorClient


@pytest.fixture
def livestream_id(emu: RealtimeKitEmulator) -> str:
    livestream = emu.add_livestream("studio")
    emu.add_session(livestream["id"], started="2023-07-15T07:00:00Z", stopped="2023-07-15T08:00:00Z")
    emu.add_session(livestream["id"], started="2023-07-16T07:00:00Z", stopped="2023-07-16T08:00:00Z")
    return str(livestream["id"])


def test_object_list_shape_wraps_livestreams_in_an_object(
    emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str
):
    emu.set_variants(list_shape="object")

    body = client.app_get("/livestreams").json()

    assert [item["id"] for item in body["data"]["livestreams"]] == [livestream_id]
    assert "paging" in body


def test_object_list_shape_gives_one_session_object_per_page(
    emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str
):
    emu.set_variants(list_shape="object")

    first = client.app_get(f"/livestreams/{livestream_id}", page_no=1, per_page=20).json()
    second = client.app_get(f"/livestreams/{livestream_id}", page_no=2).json()

    assert "sessions" not in first["data"]
    assert first["data"]["session"]["started_time"] == "2023-07-16T07:00:00.000Z"
    assert second["data"]["session"]["started_time"] == "2023-07-15T07:00:00.000Z"
    assert first["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 1}


def test_object_list_shape_wraps_apps_in_an_object(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_variants(list_shape="object")

    body = client.get(f"/accounts/{emu.account_id}/realtime/kit/apps").json()

    assert body["data"]["apps"][0]["id"] == emu.app_id


def test_paging_inside_data_for_an_object_payload(emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str):
    emu.set_variants(paging_location="data")

    body = client.app_get(f"/livestreams/{livestream_id}").json()

    assert "paging" not in body
    assert body["data"]["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 2}
    assert len(body["data"]["sessions"]) == 2


def test_paging_inside_data_turns_an_array_payload_into_data_and_paging(
    emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str
):
    emu.set_variants(paging_location="data")

    body = client.app_get("/livestreams").json()

    assert set(body["data"]) == {"data", "paging"}
    assert [item["id"] for item in body["data"]["data"]] == [livestream_id]


def test_paging_inside_data_with_object_list_shape(
    emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str
):
    emu.set_variants(paging_location="data", list_shape="object")

    body = client.app_get("/livestreams").json()

    assert set(body["data"]) == {"livestreams", "paging"}


def test_no_paging_anywhere(emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str):
    emu.set_variants(paging_location="none")

    listing = client.app_get("/livestreams").json()
    detail = client.app_get(f"/livestreams/{livestream_id}").json()

    assert "paging" not in listing and "paging" not in detail
    assert "paging" not in detail["data"]


@pytest.mark.parametrize(
    ("variant", "check"),
    [
        ("null", lambda d: d["stopped_time"] is None),
        ("missing", lambda d: "stopped_time" not in d),
        ("empty", lambda d: d["stopped_time"] == ""),
    ],
)
def test_stopped_time_of_a_live_session(emu: RealtimeKitEmulator, client: EmulatorClient, variant: str, check: Any):
    session = emu.add_session(emu.add_livestream()["id"])
    emu.set_variants(stopped_time_when_live=variant)

    assert check(client.session_data(session["id"]))


def test_stopped_time_variant_does_not_touch_stopped_sessions(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], started="2023-07-15T07:00:00Z", stops_after=60)
    emu.set_variants(stopped_time_when_live="missing")

    assert client.session_data(session["id"])["stopped_time"] == "2023-07-15T07:01:00.000Z"


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [("float", (60, 116.11599994199997)), ("int", (60, 116)), ("string", ("60", "116.11599994199997"))],
)
def test_number_format_of_session_counts(
    emu: RealtimeKitEmulator, client: EmulatorClient, numbers: str, expected: tuple[Any, Any]
):
    session = emu.add_session(emu.add_livestream()["id"], ingest_seconds=60, viewer_seconds=116.11599994199997)
    emu.set_variants(numbers=numbers)

    data = client.session_data(session["id"])

    assert (data["ingest_seconds"], data["viewer_seconds"]) == expected


def test_string_numbers_apply_to_analytics(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.add_session(emu.add_livestream()["id"], ingest_seconds=60, viewer_seconds=30)
    emu.set_variants(numbers="string")

    data = client.app_get("/analytics/livestreams/overall").json()["data"]

    assert data == {"count": "1", "total_ingest_seconds": "60", "total_viewer_seconds": "30"}


@pytest.mark.parametrize(("shape", "data"), [("null_data", None), ("empty_data", {})])
def test_not_found_as_200_with_empty_data(emu: RealtimeKitEmulator, client: EmulatorClient, shape: str, data: Any):
    emu.set_variants(not_found=shape)

    session = client.app_get("/livestreams/sessions/unknown")
    livestream = client.app_get("/livestreams/unknown")
    active = client.app_get(f"/livestreams/{emu.add_livestream()['id']}/active-livestream-session")

    for response in (session, livestream, active):
        assert response.status_code == 200
        assert response.json() == {"success": True, "data": data}


@pytest.mark.parametrize(
    ("accepted", "unix_status", "iso_status"), [("both", 200, 200), ("unix", 200, 400), ("iso", 400, 200)]
)
def test_analytics_time_format(
    emu: RealtimeKitEmulator, client: EmulatorClient, accepted: str, unix_status: int, iso_status: int
):
    emu.set_variants(analytics_time_format=accepted)

    unix = client.app_get("/analytics/livestreams/overall", start_time=1689379200, end_time=1689465600)
    iso = client.app_get("/analytics/livestreams/daywise", start_time="2023-07-15T00:00:00Z")

    assert (unix.status_code, iso.status_code) == (unix_status, iso_status)


def test_zero_based_pages(emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str):
    emu.set_variants(page_base=0)

    first = client.app_get(f"/livestreams/{livestream_id}", page_no=0, per_page=1).json()
    second = client.app_get(f"/livestreams/{livestream_id}", page_no=1, per_page=1).json()

    assert first["paging"]["start_offset"] == 1
    assert second["paging"]["start_offset"] == 2


def test_variants_reject_unknown_values():
    variants = ShapeVariants()

    with pytest.raises(ValueError, match="paging_location"):
        variants.paging_location = "footer"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="unknown shape variants"):
        variants.update(colour="blue")


def test_definition_list_shape_is_one_livestream_object_with_paging_inside(
    emu: RealtimeKitEmulator, client: EmulatorClient
):
    first = emu.add_livestream("first", created="2023-07-01T00:00:00Z")
    second = emu.add_livestream("second", created="2023-07-02T00:00:00Z")
    emu.set_variants(list_shape="definition")

    page_one = client.app_get("/livestreams", per_page=20).json()
    page_two = client.app_get("/livestreams", page_no=2).json()
    past_the_end = client.app_get("/livestreams", page_no=3).json()

    assert "paging" not in page_one
    assert page_one["data"]["id"] == second["id"]
    assert page_one["data"]["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 1}
    assert page_two["data"]["id"] == first["id"]
    assert past_the_end["data"] == {"paging": {"total_count": 2, "start_offset": 3, "end_offset": 2}}


def test_definition_list_shape_keeps_apps_an_array(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.set_variants(list_shape="definition")

    body = client.get(f"/accounts/{emu.account_id}/realtime/kit/apps").json()

    assert body["data"][0]["id"] == emu.app_id


def test_definition_livestream_sessions_form(emu: RealtimeKitEmulator, client: EmulatorClient, livestream_id: str):
    emu.set_variants(livestream_sessions="definition")

    first = client.app_get(f"/livestreams/{livestream_id}").json()
    third = client.app_get(f"/livestreams/{livestream_id}", page_no=3).json()

    assert set(first) == {"success", "data"}
    assert set(first["data"]) == {"livestream", "session", "paging"}
    assert first["data"]["session"]["started_time"] == "2023-07-16T07:00:00.000Z"
    assert first["data"]["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 1}
    assert third["data"]["session"] is None


@pytest.mark.parametrize(("variant", "expected"), [("boolean", False), ("string", "false")])
def test_disabled_type_on_every_livestream_view(
    emu: RealtimeKitEmulator, client: EmulatorClient, variant: str, expected: Any
):
    livestream = emu.add_livestream("studio")
    emu.add_session(livestream["id"])
    emu.set_variants(disabled=variant)

    listed = client.app_get("/livestreams").json()["data"][0]
    detail = client.app_get(f"/livestreams/{livestream['id']}").json()["data"]["livestream"]
    active = client.app_get(f"/livestreams/{livestream['id']}/active-livestream-session").json()["data"]["livestream"]

    assert listed["disabled"] == detail["disabled"] == active["disabled"] == expected
    assert emu.livestream(livestream["id"])["disabled"] == expected


def test_disabled_string_of_a_disabled_livestream(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.add_livestream("off", disabled=True)
    emu.set_variants(disabled="string")

    assert client.app_get("/livestreams").json()["data"][0]["disabled"] == "true"


def test_integer_numbers_apply_to_analytics_totals(emu: RealtimeKitEmulator, client: EmulatorClient):
    emu.add_session(emu.add_livestream()["id"], ingest_seconds=60, viewer_seconds=30.6)
    emu.set_variants(numbers="int")

    overall = client.app_get("/analytics/livestreams/overall").json()["data"]
    daywise = client.app_get("/analytics/livestreams/daywise").json()["data"]

    assert overall == {"count": 1, "total_ingest_seconds": 60, "total_viewer_seconds": 31}
    assert daywise[0]["total_viewer_seconds"] == 31


def test_fractional_numbers_are_the_default(emu: RealtimeKitEmulator, client: EmulatorClient):
    session = emu.add_session(emu.add_livestream()["id"], viewer_seconds=116.11599994199997)

    assert client.session_data(session["id"])["viewer_seconds"] == 116.11599994199997


def test_definition_preset_switches_every_definition_form():
    variants = ShapeVariants.definition()

    assert (variants.list_shape, variants.livestream_sessions, variants.numbers, variants.disabled) == (
        "definition",
        "definition",
        "int",
        "string",
    )


def test_allowed_values_lists_every_variant():
    allowed = ShapeVariants.allowed_values()

    assert allowed["disabled"] == ("boolean", "string")
    assert "definition" in allowed["list_shape"]
    assert set(allowed) == set(ShapeVariants.__dataclass_fields__)
