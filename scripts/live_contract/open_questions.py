"""The [U] items of the API notes (../shared/realtimekit-api.md) that a read can settle, by raw GETs.

Each check sends one or two GETs built by the provider's own ``RealtimeKitApp`` (so the paths are the ones
the provider uses), looks at the raw answer and records what it found under ``findings`` in the report:

- ``livestream_list``: where the items and ``paging`` sit in the livestream list (L1);
- ``page_base``: whether ``page_no`` counts from 1 or 0, and what ``page_no=0`` returns;
- ``per_page``: how many items one page may hold (asks for 1,000);
- ``livestream_with_sessions``: where the sessions and ``paging`` sit in L3;
- ``not_found``: the status and body for an unknown livestream session id;
- ``analytics_time_format``: whether analytics take Unix seconds, ISO strings, or both;
- ``token_verify``: which token-verify endpoint (account, user) accepts the token, and its answer's shape;
- ``livestream_list_order``, ``livestream_sessions_order``, ``updated_at_follows_session_stop``: what the
  session-ended watcher relies on, read from the data already fetched (no request);
- ``ratelimit_headers``: the ``Ratelimit`` and ``Ratelimit-Policy`` headers, as patterns.

The expected answers (PASS) are the forms the provider's notes and the emulator's defaults take as real;
another form is DIFFERS, with what was seen. Nine requests in all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_realtimekit.api.endpoints import DEFAULT_PER_PAGE, user_token_verify
from scripts.live_contract.context import RunContext, Verdict, check
from scripts.live_contract.forms import (
    as_int,
    error_form,
    item_ids,
    list_form,
    order_of,
    paging_of,
    ratelimit_form,
    updated_at_follows_stop,
)
from scripts.live_contract.provider_checks import UNKNOWN_SESSION_ID, analytics_window
from scripts.live_contract.report import Outcome
from scripts.live_contract.shapes import keys_of, shape_of
from scripts.live_contract.transport import RawResponse

#: The page size asked for to find the largest one the API serves.
PROBE_PER_PAGE = 1000


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
    if paging is not None and as_int(paging.get("total_count")) == 0:
        return Verdict(Outcome.SKIPPED, "the app has no livestreams")
    zero = _get(ctx, "page zero", ctx.clients.hook.settings.app.livestreams(page_no=0, per_page=1))
    ids_one, ids_zero = item_ids(first.body), item_ids(zero.body) if zero.status == 200 else []
    start_one = as_int(paging.get("start_offset")) if paging is not None else None
    base: int | None = 1 if start_one is None or start_one <= 1 else 0
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
    total = as_int(paging.get("total_count")) if paging is not None else None
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


@check("token verify endpoints", "GET A/tokens/verify, GET /user/tokens/verify")
def token_verify_endpoints(ctx: RunContext) -> Verdict:
    # The hook tries the account endpoint, then the user one [U which one a token needs]; ask both.
    app = ctx.clients.hook.settings.app
    answers = {
        "account": _get(ctx, "token verify (account)", app.account_token_verify()),
        "user": _get(ctx, "token verify (user)", user_token_verify()),
    }
    found: dict[str, Any] = {
        owner: {"status": answer.status, "body_shape": shape_of(answer.body)} for owner, answer in answers.items()
    }
    ctx.settle("token_verify", found)
    accepted = [owner for owner, answer in answers.items() if answer.status == 200]
    statuses = ", ".join(f"{owner} endpoint HTTP {answer.status}" for owner, answer in answers.items())
    if not accepted:
        return Verdict(Outcome.SKIPPED, f"neither endpoint accepted the token ({statuses})", found)
    result = answers[accepted[0]].body.get("result") if isinstance(answers[accepted[0]].body, Mapping) else None
    if not isinstance(result, Mapping) or "status" not in result:
        return Verdict(Outcome.DIFFERS, f"{statuses}; no result.status in the answer", found)
    return Verdict(Outcome.PASS, f"{statuses}; result has {', '.join(keys_of(result))}", found)


@check("order and updated_at", "(the livestreams and sessions read above)")
def order_and_updated_at(ctx: RunContext) -> Verdict:
    # The session-ended watcher stops reading a livestream's pages at the first session older than its
    # cursor (sessions newest first), and skips livestreams whose updated_at is older than the cursor (it
    # moves when a session stops). Both are [U]; the data read above can confirm or refute them.
    read = ctx.livestream_read or {}
    listed, held = read.get("sessions"), read.get("livestream")
    sessions: list[Any] = listed if isinstance(listed, list) else []
    livestream: Mapping[str, Any] = held if isinstance(held, Mapping) else {}
    found = {
        "livestream_list_order": order_of([item.get("created_at") for item in ctx.livestreams]),
        "livestream_sessions_order": order_of([s.get("started_time") for s in sessions if isinstance(s, Mapping)]),
        "updated_at_follows_session_stop": updated_at_follows_stop(livestream, sessions),
    }
    for question, answer in found.items():
        ctx.settle(question, answer)
    differs = [
        f"{name.replace('_', ' ')}: {answer}"
        for name, answer in found.items()
        if answer not in ("newest first", True, "unknown", None)
    ]
    if differs:
        return Verdict(Outcome.DIFFERS, "; ".join(differs), found)
    if all(answer in ("unknown", None) for answer in found.values()):
        return Verdict(Outcome.SKIPPED, "too few livestreams and sessions to tell", found)
    detail = (
        f"livestreams {found['livestream_list_order']}, sessions {found['livestream_sessions_order']}, "
        f"updated_at follows a stop: {_yes_no(found['updated_at_follows_session_stop'])}"
    )
    return Verdict(Outcome.PASS, detail, found)


@check("Ratelimit headers", "(the headers of the raw answers above)")
def ratelimit_headers(ctx: RunContext) -> Verdict:
    answers = ctx.raw_answers
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
    token_verify_endpoints,
    order_and_updated_at,
    ratelimit_headers,
)


def _yes_no(answer: bool | str | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}.get(answer, str(answer))  # type: ignore[arg-type]


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


def _page_base(start_one: int | None, ids_one: list[Any], ids_zero: list[Any]) -> int | None:
    if start_one is not None:
        return 1 if start_one <= 1 else 0  # page 1 of one item per page starts at item 1 only if pages count from 1
    if ids_one and ids_zero:
        return 1 if ids_one == ids_zero else 0
    if ids_zero or ids_one:
        return 0 if ids_zero else 1
    return None
