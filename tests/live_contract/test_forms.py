"""How the open-question checks put raw answers into words: forms the emulator does not serve, from
Cloudflare's documentation (several rate-limit policies, gateway errors that name the account)."""

from __future__ import annotations

import json

from scripts.live_contract.forms import error_form, list_form, order_of, ratelimit_form, updated_at_follows_stop
from scripts.live_contract.transport import RawResponse

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"


def answer(status: int, body: object, **headers: str) -> RawResponse:
    return RawResponse(status, {"content-type": "application/json", **headers}, body, json.dumps(body))


def test_a_cloudflare_gateway_error_is_named_and_its_ids_replaced():
    body = {"success": False, "errors": [{"code": 7003, "message": f"Could not route to /accounts/{ACCOUNT_ID}"}]}

    form = error_form(answer(404, body), {"account_id": ACCOUNT_ID})

    assert form["envelope"] == "cloudflare errors"
    assert form["message"] == "Could not route to /accounts/{account_id}"
    assert form["body_shape"] == {"success": "boolean", "errors": [{"code": "integer", "message": "string"}]}


def test_a_problem_json_body_is_another_json_object():
    body = {"type": "about:blank", "title": "Unprocessable Entity", "status": 422, "validation": []}

    form = error_form(RawResponse(422, {"content-type": "application/problem+json"}, body, ""), {})

    assert form["envelope"] == "other JSON object"
    assert form["content_type"] == "application/problem+json"
    assert form["message"] is None


def test_an_html_page_is_not_json():
    page = RawResponse(502, {"content-type": "text/html; charset=utf-8"}, None, "<html>Bad gateway</html>")

    assert error_form(page, {})["envelope"] == "not JSON"
    assert error_form(page, {})["content_type"] == "text/html"


def test_several_rate_limit_policies_are_all_read():
    headers = {"ratelimit": '"default";r=1187;t=212', "ratelimit-policy": '"burst";q=100;w=60, "default";q=1200;w=300'}

    form = ratelimit_form({"list": answer(200, {}, **headers)})

    assert form["parsed"] is True
    assert form["ratelimit"] == '"default";r=<int>;t=<int>'
    assert form["policies"] == [{"name": "burst", "q": 100, "w": 60}, {"name": "default", "q": 1200, "w": 300}]


def test_legacy_rate_limit_headers_are_named_but_not_parsed():
    form = ratelimit_form({"list": answer(200, {}, **{"x-ratelimit-limit": "1200", "x-ratelimit-remaining": "1199"})})

    assert form["present_on"] == 0
    assert form["missing_on"] == ["list"]
    assert form["parsed"] is False
    assert form["header_names"] == ["x-ratelimit-limit", "x-ratelimit-remaining"]


def test_the_definitions_list_form_is_told_from_the_array_form():
    definition = {"success": True, "data": {"id": "x", "name": None, "paging": {"total_count": 3}}}
    dyte = {"success": True, "data": [{"id": "x"}], "paging": {"total_count": 3}}

    assert (list_form(definition, ("livestreams",))["items_at"], list_form(definition, ())["paging_at"]) == (
        "data (one object)",
        "data",
    )
    assert (list_form(dyte, ("livestreams",))["items_at"], list_form(dyte, ())["paging_at"]) == ("data (array)", "top")


def test_the_order_of_timestamps_is_named():
    newest_first = ["2026-12-03T10:00:00.000Z", "2026-12-02T10:00:00.000Z", "2026-12-02T10:00:00.000Z"]

    assert order_of(newest_first) == "newest first"
    assert order_of(list(reversed(newest_first))) == "oldest first"
    assert order_of(["2026-12-02T10:00:00.000Z", "2026-12-03T10:00:00.000Z", "2026-12-01T10:00:00.000Z"]) == (
        "unordered"
    )
    assert order_of(["2026-12-02T10:00:00.000Z", None, "not-a-date"]) == "unknown"


def test_an_updated_at_older_than_the_last_stop_is_found():
    sessions = [{"stopped_time": "2026-12-02T11:00:00.000Z"}, {"stopped_time": None}]

    assert updated_at_follows_stop({"updated_at": "2026-12-02T11:00:00.000Z"}, sessions) is True
    assert updated_at_follows_stop({"updated_at": "2026-12-02T10:00:00.000Z"}, sessions) is False
    assert updated_at_follows_stop({"updated_at": "2026-12-02T10:00:00.000Z"}, [{"stopped_time": None}]) is None
