"""RealtimeKitHook walks every paging shape the API's specs and examples show, and always stops."""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.hooks.conftest import APP_PATH, json_body

LIVESTREAMS = f"{APP_PATH}/livestreams"
LIVESTREAM = f"{APP_PATH}/livestreams/ls1"


def item(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "status": "IDLE"}


def paging(total: int, start: int, end: int) -> dict[str, int]:
    return {"total_count": total, "start_offset": start, "end_offset": end}


def serve_pages(httpserver: HTTPServer, path: str, pages: dict[int, dict[str, Any]]) -> None:
    """Answer ``page_no=N`` with ``pages[N]``; an unplanned page is a 400 (a test bug, visible in the log)."""

    def handler(request: Request) -> Response:
        body = pages.get(int(request.args["page_no"]))
        if body is None:
            return Response(json.dumps({"success": False, "error": {"code": 400, "message": "no such page"}}), 400)
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(path).respond_with_handler(handler)


def pages_requested(httpserver: HTTPServer) -> list[int]:
    return [int(request.args["page_no"]) for request, _ in httpserver.log]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [entry["id"] for entry in items]


def test_walk_follows_top_level_paging_until_the_offsets_reach_the_total(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAMS,
        {
            1: json_body([item("a"), item("b")], paging=paging(3, 1, 2)),
            2: json_body([item("c")], paging=paging(3, 3, 3)),
        },
    )

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert ids(livestreams) == ["a", "b", "c"]
    assert pages_requested(httpserver) == [1, 2]


def test_walk_reads_paging_from_inside_data(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAM,
        {
            1: json_body({"livestream": item("ls1"), "sessions": [item("s1"), item("s2")], "paging": paging(3, 1, 2)}),
            2: json_body({"livestream": item("ls1"), "sessions": [item("s3")], "paging": paging(3, 3, 3)}),
        },
    )

    sessions = list(RealtimeKitHook(conn_id).iter_livestream_sessions("ls1"))

    assert ids(sessions) == ["s1", "s2", "s3"]
    assert pages_requested(httpserver) == [1, 2]


def test_walk_without_paging_stops_on_the_first_empty_page_not_on_a_short_one(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAMS,
        {1: json_body([item("a"), item("b")]), 2: json_body([item("c")]), 3: json_body([])},
    )

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert ids(livestreams) == ["a", "b", "c"]
    assert pages_requested(httpserver) == [1, 2, 3]


def test_walk_reads_items_from_a_livestreams_key_when_data_is_an_object(httpserver, conn_id):
    serve_pages(httpserver, LIVESTREAMS, {1: json_body({"livestreams": [item("a")], "paging": paging(1, 1, 1)})})

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert ids(livestreams) == ["a"]
    assert pages_requested(httpserver) == [1]


def test_walk_reads_a_single_session_object(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAM,
        {1: json_body({"livestream": item("ls1"), "session": item("s1"), "paging": paging(1, 1, 1)})},
    )

    sessions = list(RealtimeKitHook(conn_id).iter_livestream_sessions("ls1"))

    assert ids(sessions) == ["s1"]
    assert pages_requested(httpserver) == [1]


def test_walk_reads_data_that_is_itself_one_livestream(httpserver, conn_id):
    # The L1 schema models `data` as a single livestream object with `paging` inside it.
    serve_pages(httpserver, LIVESTREAMS, {1: json_body({**item("a"), "paging": paging(1, 1, 1)})})

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert livestreams == [item("a")]
    assert pages_requested(httpserver) == [1]


def test_walk_stops_when_the_server_ignores_page_no(httpserver, conn_id):
    same_page = json_body([item("a"), item("b")], paging=paging(10, 1, 2))
    httpserver.expect_request(LIVESTREAMS).respond_with_json(same_page)

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert ids(livestreams) == ["a", "b"]
    assert pages_requested(httpserver) == [1, 2]


def test_walk_stops_when_the_server_ignores_page_no_and_sends_no_paging(httpserver, conn_id):
    httpserver.expect_request(LIVESTREAM).respond_with_json(json_body({"sessions": [item("s1")]}))

    sessions = list(RealtimeKitHook(conn_id).iter_livestream_sessions("ls1"))

    assert ids(sessions) == ["s1"]
    assert pages_requested(httpserver) == [1, 2]


def test_walk_fetches_page_zero_when_page_numbers_start_at_zero(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAMS,
        {
            0: json_body([item("a"), item("b")], paging=paging(6, 1, 2)),
            1: json_body([item("c"), item("d")], paging=paging(6, 3, 4)),
            2: json_body([item("e"), item("f")], paging=paging(6, 5, 6)),
        },
    )

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert sorted(ids(livestreams)) == ["a", "b", "c", "d", "e", "f"]
    assert pages_requested(httpserver) == [1, 0, 2]


def test_walk_with_zero_based_pages_stops_after_page_zero_when_page_one_was_the_last(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAMS,
        {
            0: json_body([item("a"), item("b")], paging=paging(3, 1, 2)),
            1: json_body([item("c")], paging=paging(3, 3, 3)),
        },
    )

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert sorted(ids(livestreams)) == ["a", "b", "c"]
    assert pages_requested(httpserver) == [1, 0]


def test_walk_makes_no_extra_request_when_the_offsets_say_done(httpserver, conn_id):
    serve_pages(httpserver, LIVESTREAMS, {1: json_body([item("a"), item("b")], paging=paging(2, 1, 2))})

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert ids(livestreams) == ["a", "b"]
    assert len(httpserver.log) == 1


def test_walk_of_an_empty_list_makes_one_request(httpserver, conn_id):
    serve_pages(httpserver, LIVESTREAMS, {1: json_body([], paging=paging(0, 0, 0))})

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert livestreams == []
    assert len(httpserver.log) == 1


def test_walk_accepts_offsets_sent_as_strings(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAMS,
        {1: json_body([item("a")], paging={"total_count": "1", "start_offset": "1", "end_offset": "1"})},
    )

    livestreams = list(RealtimeKitHook(conn_id).iter_livestreams())

    assert ids(livestreams) == ["a"]
    assert len(httpserver.log) == 1


def test_walk_is_lazy_and_fetches_the_next_page_only_when_needed(httpserver, conn_id):
    serve_pages(
        httpserver,
        LIVESTREAMS,
        {1: json_body([item("a")], paging=paging(2, 1, 1)), 2: json_body([item("b")], paging=paging(2, 2, 2))},
    )
    walk = RealtimeKitHook(conn_id).iter_livestreams()

    first = next(walk)

    assert first == item("a")
    assert pages_requested(httpserver) == [1]
