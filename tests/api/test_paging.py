"""The Pager state machine: which page it asks for next, and when it stops."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_realtimekit.api import paging
from airflow_provider_realtimekit.api.endpoints import RealtimeKitApp
from airflow_provider_realtimekit.api.paging import Pager
from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError

APP = RealtimeKitApp("acct", "app")


def livestreams_pager() -> Pager:
    return Pager(lambda page_no: APP.livestreams(page_no=page_no), ("livestreams", "data", "livestream"))


def page_no(pager: Pager) -> int | None:
    request = pager.next_request()
    return None if request is None else int(request.params["page_no"])


def items(*ids: str) -> list[dict[str, Any]]:
    return [{"id": item_id} for item_id in ids]


def body(data: Any, total: int | None = None, start: int | None = None, end: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"success": True, "data": data}
    if total is not None:
        result["paging"] = {"total_count": total, "start_offset": start, "end_offset": end}
    return result


def test_first_request_is_page_one():
    assert page_no(livestreams_pager()) == 1


def test_next_page_follows_until_offsets_reach_the_total():
    pager = livestreams_pager()

    assert pager.accept(body(items("a", "b"), 4, 1, 2)) == items("a", "b")
    assert page_no(pager) == 2
    assert pager.accept(body(items("c", "d"), 4, 3, 4)) == items("c", "d")
    assert page_no(pager) is None
    assert pager.pages_fetched == 2


def test_empty_page_ends_the_walk():
    pager = livestreams_pager()

    assert pager.accept(body([])) == []
    assert page_no(pager) is None


def test_short_page_without_paging_does_not_end_the_walk():
    pager = livestreams_pager()

    pager.accept(body(items("a")))

    assert page_no(pager) == 2


def test_repeated_items_are_dropped_and_end_the_walk():
    pager = livestreams_pager()
    pager.accept(body(items("a", "b"), 10, 1, 2))

    assert pager.accept(body(items("a", "b"), 10, 1, 2)) == []
    assert page_no(pager) is None


def test_partly_repeated_page_keeps_only_new_items_and_goes_on():
    pager = livestreams_pager()
    pager.accept(body(items("a", "b"), 10, 1, 2))

    assert pager.accept(body(items("b", "c"), 10, 2, 3)) == items("c")
    assert page_no(pager) == 3


def test_items_without_id_are_all_kept():
    pager = livestreams_pager()

    assert pager.accept(body([{"name": "x"}, {"name": "x"}], 2, 1, 2)) == [{"name": "x"}, {"name": "x"}]


def test_total_zero_ends_the_walk():
    pager = livestreams_pager()

    pager.accept(body([], 0, 0, 0))

    assert page_no(pager) is None


def test_zero_based_server_gets_page_zero_then_page_two():
    pager = livestreams_pager()

    pager.accept(body(items("c", "d"), 6, 3, 4))
    assert page_no(pager) == 0
    pager.accept(body(items("a", "b"), 6, 1, 2))
    assert page_no(pager) == 2
    pager.accept(body(items("e", "f"), 6, 5, 6))
    assert page_no(pager) is None


def test_zero_based_server_whose_page_one_is_the_last_stops_after_page_zero():
    pager = livestreams_pager()

    pager.accept(body(items("c"), 3, 3, 3))
    assert page_no(pager) == 0
    pager.accept(body(items("a", "b"), 3, 1, 2))
    assert page_no(pager) is None


def test_start_offset_above_one_on_a_later_page_is_ordinary():
    pager = livestreams_pager()
    pager.accept(body(items("a", "b"), 6, 1, 2))

    pager.accept(body(items("c", "d"), 6, 3, 4))

    assert page_no(pager) == 3


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (body(items("a")), items("a")),
        ({"data": {"livestreams": items("a"), "paging": {}}}, items("a")),
        ({"data": {"data": items("a")}}, items("a")),
        ({"data": {"livestream": {"id": "a"}}}, items("a")),
        ({"data": {"id": "a", "name": None, "paging": {"total_count": 1}}}, [{"id": "a", "name": None}]),
        ({"data": [{"id": "a"}, "junk", 3, None]}, items("a")),
        ({"data": "nonsense"}, []),
        ({"data": None}, []),
        ({}, []),
    ],
    ids=[
        "list",
        "livestreams-key",
        "data-key",
        "single-object",
        "data-is-the-item",
        "junk-skipped",
        "string",
        "null",
        "no-data",
    ],
)
def test_items_are_found_in_every_known_shape(response, expected):
    assert livestreams_pager().accept(response) == expected


def test_item_key_order_decides_between_keys():
    pager = Pager(lambda n: APP.livestream("ls1", page_no=n), ("sessions", "session"))

    assert pager.accept({"data": {"session": {"id": "x"}, "sessions": items("a", "b")}}) == items("a", "b")


def test_empty_single_object_is_no_item():
    pager = Pager(lambda n: APP.livestream("ls1", page_no=n), ("sessions", "session"))

    assert pager.accept({"data": {"livestream": {"id": "ls1"}, "session": {}}}) == []


@pytest.mark.parametrize(
    "paging_values",
    [
        {"total_count": "2", "start_offset": "1", "end_offset": "2"},
        {"total_count": 2.0, "start_offset": 1.0, "end_offset": 2.0},
    ],
    ids=["strings", "floats"],
)
def test_offsets_given_as_strings_or_floats_are_understood(paging_values):
    pager = livestreams_pager()

    pager.accept({"data": items("a", "b"), "paging": paging_values})

    assert page_no(pager) is None


@pytest.mark.parametrize(
    "paging_values",
    [{"total_count": True, "end_offset": True}, {"total_count": "many", "end_offset": "2"}, {"total_count": None}],
    ids=["bools", "words", "nulls"],
)
def test_unreadable_offsets_fall_back_to_the_empty_page_rule(paging_values):
    pager = livestreams_pager()

    pager.accept({"data": items("a"), "paging": paging_values})

    assert page_no(pager) == 2


def test_a_server_that_never_stops_is_cut_off(monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 3)
    pager = livestreams_pager()

    for n in range(3):
        pager.next_request()
        pager.accept(body(items(f"item-{n}")))

    with pytest.raises(RealtimeKitInvalidResponseError, match="3 pages"):
        pager.next_request()
