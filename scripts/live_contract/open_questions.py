"""The [U] items of the API notes (../shared/realtimekit-api.md) that a read can settle, by raw GETs.

Each check sends one or two GETs built by the provider's own ``RealtimeKitApp`` (so the paths are the ones
the provider uses), looks at the raw answer and records what it found under ``findings`` in the report:

- ``livestream_list``: where the items and ``paging`` sit in the livestream list (L1);
- ``page_base``: whether ``page_no`` counts from 1 or 0, and what ``page_no=0`` returns;
- ``per_page``: how many items one page may hold (asks for 1,000);
- ``livestream_with_sessions``: where the sessions and ``paging`` sit in L3;
- ``not_found``: the status and body for an unknown livestream session id;
- ``analytics_time_format``: whether analytics take Unix seconds, ISO strings, or both;
- ``ratelimit_headers``: the ``Ratelimit`` and ``Ratelimit-Policy`` headers, as patterns.

The expected answers (PASS) are the forms the provider's notes and the emulator's defaults take as real;
another form is DIFFERS, with what was seen. Seven requests in all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from airflow_provider_realtimekit.api.endpoints import DEFAULT_PER_PAGE
from scripts.live_contract.context import RunContext, Verdict, check
from scripts.live_contract.provider_checks import UNKNOWN_SESSION_ID, analytics_window
from scripts.live_contract.report import Outcome
from scripts.live_contract.shapes import keys_of, shape_of
from scripts.live_contract.transport import RawResponse

#: The page size asked for to find the largest one the API serves.
PROBE_PER_PAGE = 1000
PAGING_KEYS = ("total_count", "start_offset", "end_offset")
#: ``"default";r=50;t=30``; the IETF draft's form, as Cloudflare documents it.
_RATELIMIT = re.compile(r'^"?(?P<name>[\w-]+)"?;r=(?P<r>\d+);t=(?P<t>\d+)$')
_POLICY = re.compile(r'^"?(?P<name>[\w-]+)"?;q=(?P<q>\d+);w=(?P<w>\d+)$')


@check("L1 list and paging shape", "GET A/livestreams?page_no=1&per_page=1")
def list_shape(ctx: RunContext) -> Verdict:
    answer = _get(ctx, "list", ctx.clients.hook.settings.app.livestreams(page_no=1, per_page=1))
    if answer.status != 200 or not isinstance(answer.body, Mapping):
        return Verdict(Outcome.FAIL, f"HTTP {answer.status}, {answer.content_type}", {"status": answer.status})
    form = list_form(answer.body, ("livestreams", "livestream"))
    ctx.settle("livestream_list", form)
    expected = form["items_at"] == "data (array)" and form["paging_at"] == "top"
    detail = f"items at {form['items_at']}, paging at {form['paging_at']}"
    if not expected:
        return Verdict(Outcome.DIFFERS, f"{detail}; expected data (array), paging at top", form)
    return Verdict(Outcome.PASS, detail, form)


@check("page base", "GET A/livestreams?page_no=0&per_page=1")
def page_base(ctx: RunContext) -> Verdict:
    first = ctx.raw_answers.get("list")
    if first is None or first.status != 200:
        return Verdict(Outcome.SKIPPED, "the list could not be read")
    paging = paging_of(first.body)
    if paging is not None and _int(paging.get("total_count")) == 0:
        return Verdict(Outcome.SKIPPED, "the app has no livestreams")
    zero = _get(ctx, "page zero", ctx.clients.hook.settings.app.livestreams(page_no=0, per_page=1))
    ids_one, ids_zero = item_ids(first.body), item_ids(zero.body) if zero.status == 200 else []
    start_one = _int(paging.get("start_offset")) if paging is not None else None
    base: int | None = 1
    if zero.status != 200:
        page_zero = f"refused with HTTP {zero.status}"
    else:
        page_zero = "empty" if not ids_zero else "same items as page 1" if ids_zero == ids_one else "other items"
        base = _page_base(start_one, ids_one, ids_zero)
    found = {"first_page": base, "page_no_0": page_zero, "start_offset_of_page_1": start_one}
    ctx.settle("page_base", found)
    if base is None:
        return Verdict(Outcome.SKIPPED, f"cannot tell from one item; page_no=0: {page_zero}", found)
    if base == 0:
        detail = "page_no counts from 0: page_no=1 is the second page; the provider needs paging offsets to notice"
        return Verdict(Outcome.DIFFERS, f"{detail}; page_no=0: {page_zero}", found)
    return Verdict(Outcome.PASS, f"page_no counts from 1; page_no=0: {page_zero}", found)


@check("largest per_page", f"GET A/livestreams?page_no=<first>&per_page={PROBE_PER_PAGE}")
def largest_per_page(ctx: RunContext) -> Verdict:
    first_page = _first_page(ctx)
    answer = _get(
        ctx, "per_page", ctx.clients.hook.settings.app.livestreams(page_no=first_page, per_page=PROBE_PER_PAGE)
    )
    if answer.status != 200:
        refusal = error_form(answer, _ids(ctx))
        found: dict[str, Any] = {"asked": PROBE_PER_PAGE, "refused_with": answer.status, **refusal}
        ctx.settle("per_page", found)
        return Verdict(Outcome.DIFFERS, f"per_page={PROBE_PER_PAGE} refused with HTTP {answer.status}", found)
    returned = len(item_ids(answer.body, keep_idless=True))
    paging = paging_of(answer.body)
    total = _int(paging.get("total_count")) if paging is not None else None
    found = {"asked": PROBE_PER_PAGE, "returned": returned}
    if total is None:
        found["largest"] = None
        ctx.settle("per_page", found)
        return Verdict(Outcome.SKIPPED, f"{returned} returned, and no total_count to compare with", found)
    clamped = returned < min(total, PROBE_PER_PAGE)
    found["largest" if clamped else "at_least"] = returned
    ctx.settle("per_page", found)
    if clamped and returned < DEFAULT_PER_PAGE:
        detail = f"at most {returned} per page, fewer than the provider's {DEFAULT_PER_PAGE}: walks take more requests"
        return Verdict(Outcome.DIFFERS, detail, found)
    detail = f"clamped to {returned}" if clamped else f"not clamped up to {returned} (all there are)"
    return Verdict(Outcome.PASS, detail, found)


@check("L3 sessions and paging shape", "GET A/livestreams/{id}?page_no=<first>&per_page=1")
def livestream_shape(ctx: RunContext) -> Verdict:
    livestream_id = ctx.a_livestream_id()
    if livestream_id is None:
        return Verdict(Outcome.SKIPPED, "the app has no livestreams")
    request = ctx.clients.hook.settings.app.livestream(livestream_id, page_no=_first_page(ctx), per_page=1)
    answer = _get(ctx, "livestream", request)
    if answer.status != 200 or not isinstance(answer.body, Mapping):
        return Verdict(Outcome.FAIL, f"HTTP {answer.status}, {answer.content_type}", {"status": answer.status})
    form = list_form(answer.body, ("sessions", "session"))
    ctx.settle("livestream_with_sessions", form)
    detail = f"sessions at {form['items_at']}, paging at {form['paging_at']}"
    if form["items_at"] != "data.sessions (array)" or form["paging_at"] != "top":
        return Verdict(Outcome.DIFFERS, f"{detail}; expected data.sessions (array), paging at top", form)
    return Verdict(Outcome.PASS, detail, form)


@check("404 form", "GET A/livestreams/sessions/{unknown id}")
def not_found_form(ctx: RunContext) -> Verdict:
    answer = _get(ctx, "not found", ctx.clients.hook.settings.app.livestream_session(UNKNOWN_SESSION_ID))
    found = {"status": answer.status, **error_form(answer, _ids(ctx))}
    ctx.settle("not_found", found)
    detail = f"HTTP {answer.status}, {found['envelope']}"
    if answer.status != 404 or found["envelope"] != "realtimekit error":
        return Verdict(Outcome.DIFFERS, f"{detail}; expected HTTP 404 with a realtimekit error", found)
    return Verdict(Outcome.PASS, detail, found)


@check("analytics time format", "GET A/analytics/livestreams/overall (Unix seconds, then ISO)")
def analytics_time_format(ctx: RunContext) -> Verdict:
    app = ctx.clients.hook.settings.app
    start, end = analytics_window()
    statuses = {
        fmt: _get(ctx, f"analytics {fmt}", app.livestream_analytics(start, end, fmt)).status for fmt in ("unix", "iso")
    }
    accepted = [fmt for fmt, status in statuses.items() if status == 200]
    found = {"accepted": accepted, "statuses": statuses}
    ctx.settle("analytics_time_format", found)
    if "unix" in accepted:
        return Verdict(Outcome.PASS, f"accepts {' and '.join(accepted)}", found)
    if accepted:
        detail = "only ISO strings: the provider falls back to ISO after a 400, one more request per call"
        return Verdict(Outcome.DIFFERS, detail, found)
    return Verdict(Outcome.DIFFERS, f"neither format accepted (Unix {statuses['unix']}, ISO {statuses['iso']})", found)


@check("Ratelimit headers", "(the headers of the raw answers above)")
def ratelimit_headers(ctx: RunContext) -> Verdict:
    answers = list(ctx.raw_answers.values())
    if not answers:
        return Verdict(Outcome.SKIPPED, "no raw answer was read")
    found = ratelimit_form(answers)
    ctx.settle("ratelimit_headers", found)
    if not found["ratelimit"] or not found["ratelimit_policy"]:
        return Verdict(Outcome.DIFFERS, "no Ratelimit/Ratelimit-Policy headers on the RealtimeKit answers", found)
    if not found["parsed"]:
        return Verdict(Outcome.DIFFERS, "Ratelimit headers in an undocumented form", found)
    policies = ", ".join(f"{p['name']} {p['q']} per {p['w']} s" for p in found["policies"])
    return Verdict(Outcome.PASS, f"present on {found['present_on']} of {len(answers)} answers; {policies}", found)


OPEN_QUESTIONS = (
    list_shape,
    page_base,
    largest_per_page,
    livestream_shape,
    not_found_form,
    analytics_time_format,
    ratelimit_headers,
)


def _ids(ctx: RunContext) -> dict[str, str]:
    # The ids an error message may repeat; the probe's own id is no secret but says nothing either.
    return {"id": UNKNOWN_SESSION_ID, "account_id": ctx.target.account_id, "app_id": ctx.target.app_id}


def _first_page(ctx: RunContext) -> int:
    # The number of the first page, as the page-base check found it (it runs first); 1 when unsettled.
    found = ctx.report.findings.get("page_base")
    return 0 if isinstance(found, Mapping) and found.get("first_page") == 0 else 1


def _get(ctx: RunContext, name: str, request: Any) -> RawResponse:
    answer = ctx.clients.raw.get(request)
    ctx.raw_answers[name] = answer
    return answer


def paging_of(body: Any) -> Mapping[str, Any] | None:
    """
    The ``paging`` object at the top level or inside ``data``, or None.

    :param body: the decoded body.
    """
    if not isinstance(body, Mapping):
        return None
    for holder in (body, body.get("data")):
        if isinstance(holder, Mapping) and isinstance(holder.get("paging"), Mapping):
            return holder["paging"]
    return None


def list_form(body: Mapping[str, Any], item_keys: tuple[str, ...]) -> dict[str, Any]:
    """
    Where a list answer keeps its items and its paging, as words: ``items_at`` (``"data (array)"``,
    ``"data.livestreams (array)"``, ``"data (one object)"``...), ``paging_at`` (``top``, ``data``, ``none``).

    :param body: the decoded body.
    :param item_keys: the keys under ``data`` that may hold the items.
    """
    data = body.get("data")
    paging_at = "top" if isinstance(body.get("paging"), Mapping) else "none"
    if paging_at == "none" and isinstance(data, Mapping) and isinstance(data.get("paging"), Mapping):
        paging_at = "data"
    items_at = "data (array)" if isinstance(data, list) else "data (not a list)"
    if isinstance(data, Mapping):
        items_at = "data (one object)" if "id" in data else "data (object without items)"
        for key in item_keys:
            value = data.get(key)
            if isinstance(value, list):
                items_at = f"data.{key} (array)"
                break
            if isinstance(value, Mapping):
                items_at = f"data.{key} (one object)"
                break
            if key in data and value is None:
                items_at = f"data.{key} (null)"
                break
    paging = paging_of(body)
    return {
        "top_level_keys": keys_of(body),
        "data_keys": keys_of(data),
        "items_at": items_at,
        "paging_at": paging_at,
        "paging_shape": shape_of(paging) if paging is not None else None,
    }


def item_ids(body: Any, *, keep_idless: bool = False) -> list[Any]:
    """
    The ids of the items of a list answer, in order, wherever they sit.

    :param body: the decoded body.
    :param keep_idless: count items without an id too (as None).
    """
    data = body.get("data") if isinstance(body, Mapping) else None
    items: list[Any] = data if isinstance(data, list) else []
    if isinstance(data, Mapping):
        nested = next((data[key] for key in ("livestreams", "data", "livestream") if key in data), None)
        items = nested if isinstance(nested, list) else [nested] if isinstance(nested, Mapping) else []
        if not items and "id" in data:
            items = [data]
    ids = [item.get("id") for item in items if isinstance(item, Mapping)]
    return ids if keep_idless else [item_id for item_id in ids if item_id is not None]


def error_form(answer: RawResponse, ids: Mapping[str, str]) -> dict[str, Any]:
    """
    Which envelope an error answer uses, its content type, body shape and message wording, with the ids it
    may repeat replaced by their names (``{id}``, ``{account_id}``...) and cut to 160 characters.

    :param answer: the raw answer.
    :param ids: the ids to replace, by name.
    """
    body = answer.body
    envelope = "not JSON"
    message: Any = None
    if isinstance(body, Mapping):
        envelope = "other JSON object"
        error, errors = body.get("error"), body.get("errors")
        if isinstance(error, Mapping):
            envelope, message = "realtimekit error", error.get("message")
        elif isinstance(errors, list) and errors:
            envelope = "cloudflare errors"
            message = errors[0].get("message") if isinstance(errors[0], Mapping) else None
        elif "data" in body and not body.get("data"):
            envelope = f"success with data {json.dumps(body.get('data'))}"
    elif body is not None:
        envelope = f"JSON {type(body).__name__}"
    if message is not None:
        message = str(message)
        for name, value in ids.items():
            message = message.replace(value, f"{{{name}}}")
        message = message[:160]
    return {"envelope": envelope, "content_type": answer.content_type, "body_shape": shape_of(body), "message": message}


def ratelimit_form(answers: list[RawResponse]) -> dict[str, Any]:
    """
    The rate-limit headers of some answers: which are present, their pattern (numbers as ``<int>``), and the
    policies (name, quota ``q``, window ``w``), which are Cloudflare's published limits, not account data.

    :param answers: the raw answers.
    """
    present = [a for a in answers if "ratelimit" in a.headers]
    limit = present[-1].headers.get("ratelimit", "") if present else ""
    policy = present[-1].headers.get("ratelimit-policy", "") if present else ""
    policies = [m.groupdict() for part in policy.split(",") if (m := _POLICY.match(part.strip()))]
    other = sorted({name for a in answers for name in a.headers if "ratelimit" in name or name == "retry-after"})
    return {
        "ratelimit": re.sub(r"\d+", "<int>", limit),
        "ratelimit_policy": re.sub(r"\d+", "<int>", policy),
        "parsed": bool(_RATELIMIT.match(limit)) and bool(policies),
        "policies": [{"name": p["name"], "q": int(p["q"]), "w": int(p["w"])} for p in policies],
        "present_on": len(present),
        "header_names": other,
    }


def _page_base(start_one: int | None, ids_one: list[Any], ids_zero: list[Any]) -> int | None:
    if start_one is not None:
        return 1 if start_one <= 1 else 0  # page 1 of one item per page starts at item 1 only if pages count from 1
    if ids_one and ids_zero:
        return 1 if ids_one == ids_zero else 0
    if ids_zero or ids_one:
        return 0 if ids_zero else 1
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return None
