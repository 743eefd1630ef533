"""Every endpoint the provider calls, read through ``RealtimeKitHook``: the code path users' tasks run.

In order: the connection test (token verify, one livestream); the livestream list, also with
``status=LIVE`` and with ``exclude_meetings=true``; one livestream with its sessions (L3); its active session
(L4); one livestream session (L5), also read the way the sensor reads it, and again through the async hook
(the triggerer's client); an unknown session id; and both analytics endpoints (A1, A2). Lists are sampled
(one page, at most three requests), so the module sends 12 to 21 requests: 12 where pages are full and the
token is an account token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_realtimekit.exceptions import RealtimeKitNotFoundError
from airflow_provider_realtimekit.waits.session_state import session_state
from scripts.live_contract.context import RunContext, Verdict, check
from scripts.live_contract.report import Outcome
from scripts.live_contract.shapes import keys_of, shape_of, string_format
from scripts.live_contract.transport import read_only_event_hooks

#: An id no app has: well formed (a version-4 UUID), so the API can only answer "not found".
UNKNOWN_SESSION_ID = "00000000-0000-4000-8000-000000000000"
#: The livestream statuses Cloudflare's definition allows (OFFLINE appears only in guides and webhooks).
DOCUMENTED_STATUSES = frozenset({"LIVE", "IDLE", "ERRORED", "INVOKED"})
LIVESTREAM_FIELDS = ("id", "name", "status", "meeting_id", "ingest_server", "stream_key", "playback_url", "disabled")
SESSION_FIELDS = ("id", "started_time", "stopped_time", "err_message", "ingest_seconds", "viewer_seconds")
ANALYTICS_FIELDS = ("count", "total_ingest_seconds", "total_viewer_seconds")
#: Items read from a list: the provider's page size, so each listing costs one request where pages are full.
SAMPLE = 100
#: Requests one listing may cost, for an API that serves fewer items per page than asked for.
LIST_REQUESTS = 3
#: The analytics window: the last seven whole days.
ANALYTICS_DAYS = 7


def analytics_window() -> tuple[datetime, datetime]:
    """The last :data:`ANALYTICS_DAYS` days, ending at the start of the current hour (UTC)."""
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=ANALYTICS_DAYS), end


@check("connection test", "GET A/tokens/verify (or /user/tokens/verify), GET A/livestreams?per_page=1")
def connection_test(ctx: RunContext) -> Verdict:
    before = len(ctx.clients.budget.sent)
    ok, message = ctx.clients.hook.test_connection()
    sent = ctx.clients.budget.sent[before:]
    endpoint = "user" if any(path.endswith("/user/tokens/verify") for path in sent) else "account"
    ctx.settle("token_verify_endpoint", endpoint)
    observed = {"token_verified_on": endpoint, "requests": len(sent)}
    if not ok:
        return Verdict(Outcome.FAIL, "RealtimeKitHook.test_connection() failed", observed, message)
    return Verdict(Outcome.PASS, f"token active (verified on the {endpoint} endpoint), one livestream read", observed)


@check("L1 livestreams", "GET A/livestreams")
def livestreams(ctx: RunContext) -> Verdict:
    ctx.livestreams = _read(ctx, ctx.clients.hook.iter_livestreams())
    if not ctx.livestreams:
        return Verdict(Outcome.PASS, "the app has no livestreams: checks that need one are skipped", {"items": 0})
    statuses = _statuses(ctx.livestreams)
    shape = shape_of(ctx.livestreams)[0]
    ctx.settle("livestream_statuses_seen", statuses)
    ctx.settle("livestream_field_types", shape)
    observed = {"items": len(ctx.livestreams), "item_shape": shape, "statuses": statuses}
    problems = _missing(ctx.livestreams, LIVESTREAM_FIELDS)
    undocumented = sorted(set(statuses) - DOCUMENTED_STATUSES)
    if undocumented:
        problems.append(f"statuses outside the documented enum: {', '.join(undocumented)}")
    if problems:
        return Verdict(Outcome.DIFFERS, "; ".join(problems), observed)
    return Verdict(Outcome.PASS, f"{len(ctx.livestreams)} read; statuses {', '.join(statuses)}", observed)


@check("L1 status=LIVE filter", "GET A/livestreams?status=LIVE")
def live_filter(ctx: RunContext) -> Verdict:
    live = _read(ctx, ctx.clients.hook.iter_livestreams(status="LIVE"))
    ctx.live_livestreams = live
    returned = _statuses(live)
    others_exist = any(item.get("status") != "LIVE" for item in ctx.livestreams)
    live_exist = any(item.get("status") == "LIVE" for item in ctx.livestreams)
    observed = {"items": len(live), "statuses": returned}
    if any(status != "LIVE" for status in returned):
        ctx.settle("status_live_filters", False)
        return Verdict(Outcome.DIFFERS, f"status=LIVE also returned {', '.join(returned)}: not filtered", observed)
    if not live and live_exist:
        ctx.settle("status_live_filters", False)
        return Verdict(Outcome.DIFFERS, "status=LIVE returned nothing although a LIVE livestream exists", observed)
    if others_exist:
        ctx.settle("status_live_filters", True)
        came_back = "only LIVE livestreams came back" if live else "nothing came back, and none is LIVE"
        return Verdict(Outcome.PASS, f"filters: {came_back} (livestreams in other statuses exist)", observed)
    ctx.settle("status_live_filters", None)
    return Verdict(Outcome.SKIPPED, "the call works, but cannot tell: no livestream in another status", observed)


@check("L1 exclude_meetings", "GET A/livestreams?exclude_meetings=true")
def exclude_meetings(ctx: RunContext) -> Verdict:
    # The usage operator and the session-ended watcher send it when asked to leave meetings out.
    independent = _read(ctx, ctx.clients.hook.iter_livestreams(exclude_meetings=True))
    of_meetings = sum(1 for item in independent if item.get("meeting_id"))
    meetings_exist = any(item.get("meeting_id") for item in ctx.livestreams)
    observed = {"items": len(independent), "of_meetings": of_meetings}
    if of_meetings:
        ctx.settle("exclude_meetings_filters", False)
        return Verdict(Outcome.DIFFERS, f"{of_meetings} meeting livestream(s) came back: not filtered", observed)
    ctx.settle("exclude_meetings_filters", True if meetings_exist else None)
    if meetings_exist:
        return Verdict(Outcome.PASS, "filters: meeting livestreams exist, none came back", observed)
    return Verdict(Outcome.PASS, "accepted (no meeting livestream in the app to tell whether it filters)", observed)


@check("L3 livestream", "GET A/livestreams/{id}")
def livestream(ctx: RunContext) -> Verdict:
    chosen = ctx.a_livestream_id()
    if chosen is None:
        return Verdict(Outcome.SKIPPED, "the app has no livestreams")
    data = ctx.clients.hook.get_livestream(chosen)
    ctx.clients.redactor.harvest(data)
    ctx.livestream_read = data
    listed = data.get("sessions")
    sessions: list[Any] = listed if isinstance(listed, list) else [data.get("session")]
    for session in sessions:
        if isinstance(session, dict):
            ctx.found_session(session.get("id"), "L3 livestream")
    observed = {"data_keys": keys_of(data), "data_shape": shape_of(data)}
    keys = ", ".join(keys_of(data))
    if "livestream" not in data or not ({"sessions", "session"} & set(data)):
        return Verdict(Outcome.DIFFERS, f"data has keys {keys}; expected livestream and sessions", observed)
    return Verdict(Outcome.PASS, f"data has keys {keys}", observed)


@check("L4 active session", "GET A/livestreams/{id}/active-livestream-session")
def active_session(ctx: RunContext) -> Verdict:
    live = ctx.live_livestreams or [item for item in ctx.livestreams if item.get("status") == "LIVE"]
    chosen = live[0].get("id") if live else ctx.a_livestream_id()
    if not isinstance(chosen, str):
        return Verdict(Outcome.SKIPPED, "the app has no livestreams")
    try:
        data = ctx.clients.hook.get_active_livestream_session(chosen)
    except RealtimeKitNotFoundError as error:
        not_found = {"answer": "not found"}
        if live:
            return Verdict(Outcome.DIFFERS, "a LIVE livestream has no active session", not_found, str(error))
        return Verdict(Outcome.PASS, "not live, and the provider raised RealtimeKitNotFoundError", not_found)
    ctx.clients.redactor.harvest(data)
    session = data.get("session")
    if isinstance(session, dict):
        ctx.found_session(session.get("id"), "L4 active session")
    observed: dict[str, Any] = {"data_keys": keys_of(data), "data_shape": shape_of(data)}
    if not isinstance(session, dict) or "livestream" not in data:
        keys = ", ".join(keys_of(data))
        return Verdict(Outcome.DIFFERS, f"data has keys {keys}; expected livestream and session", observed)
    return Verdict(Outcome.PASS, "data has the livestream and its live session", observed)


@check("L5 session", "GET A/livestreams/sessions/{id}")
def session(ctx: RunContext) -> Verdict:
    if ctx.session_id is None:
        return Verdict(Outcome.SKIPPED, "no livestream session found: set REALTIMEKIT_SESSION_ID to read one")
    data = ctx.clients.hook.get_livestream_session(ctx.session_id)
    ctx.clients.redactor.harvest(data)
    state = session_state(data)  # what the sensor and the trigger conclude from this payload
    shape = shape_of(data)
    observed = {"session_from": ctx.session_source, "data_shape": shape, "sensor_reads_it_as": state.value}
    ctx.settle("session_field_types", {name: shape.get(name) for name in SESSION_FIELDS if name in shape})
    problems = _missing([data], SESSION_FIELDS)
    if problems:
        return Verdict(Outcome.DIFFERS, "; ".join(problems), observed)
    numbers = f"viewer_seconds {shape['viewer_seconds']}, ingest_seconds {shape['ingest_seconds']}"
    return Verdict(Outcome.PASS, f"the sensor reads it as {state.value}; {numbers}", observed)


@check("L5 session (async hook)", "GET A/livestreams/sessions/{id} through RealtimeKitAsyncHook")
def session_async(ctx: RunContext) -> Verdict:
    # The deferrable sensor's trigger reads the session with the async hook: another transport (httpx).
    if ctx.session_id is None:
        return Verdict(Outcome.SKIPPED, "no livestream session found: set REALTIMEKIT_SESSION_ID to read one")
    data = asyncio.run(_read_session_async(ctx, ctx.session_id))
    ctx.clients.redactor.harvest(data)
    state = session_state(data)
    observed = {"data_keys": keys_of(data), "sensor_reads_it_as": state.value}
    problems = _missing([data], SESSION_FIELDS)
    if problems:
        return Verdict(Outcome.DIFFERS, "; ".join(problems), observed)
    return Verdict(Outcome.PASS, f"the triggerer's client read it; the trigger reads it as {state.value}", observed)


@check("L5 unknown session", "GET A/livestreams/sessions/{unknown id}")
def unknown_session(ctx: RunContext) -> Verdict:
    try:
        data = ctx.clients.hook.get_livestream_session(UNKNOWN_SESSION_ID)
    except RealtimeKitNotFoundError:
        return Verdict(Outcome.PASS, "the provider raised RealtimeKitNotFoundError")
    ctx.clients.redactor.harvest(data)
    return Verdict(Outcome.FAIL, "an id no app has returned data", {"data_shape": shape_of(data)})


@check("A1 analytics overall", "GET A/analytics/livestreams/overall")
def analytics_overall(ctx: RunContext) -> Verdict:
    before = len(ctx.clients.budget.sent)
    data = ctx.clients.hook.get_livestream_analytics(*analytics_window())
    requests = len(ctx.clients.budget.sent) - before
    observed = {"data_shape": shape_of(data), "requests": requests}
    problems = _missing([data], ANALYTICS_FIELDS) if isinstance(data, dict) else ["data is not an object"]
    if problems:
        return Verdict(Outcome.DIFFERS, "; ".join(problems), observed)
    totals = ", ".join(f"{name} {shape_of(data[name])}" for name in ANALYTICS_FIELDS)
    return Verdict(Outcome.PASS, f"{totals}; {requests} request(s)", observed)


@check("A2 analytics daywise", "GET A/analytics/livestreams/daywise")
def analytics_daywise(ctx: RunContext) -> Verdict:
    data = ctx.clients.hook.get_livestream_analytics_daywise(*analytics_window())
    observed: dict[str, Any] = {"data_shape": shape_of(data)}
    if not isinstance(data, list):
        return Verdict(Outcome.DIFFERS, f"data is {shape_of(data)!r}, expected an array of days", observed)
    days = [day for day in data if isinstance(day, dict)]
    formats = sorted({string_format(day["date"]) or "other" for day in days if isinstance(day.get("date"), str)})
    ctx.settle("analytics_daywise_date_format", formats)
    problems = _missing(days, ("date", *ANALYTICS_FIELDS)) if days else []
    if problems:
        return Verdict(Outcome.DIFFERS, "; ".join(problems), observed)
    return Verdict(Outcome.PASS, f"{len(days)} day(s); date format {', '.join(formats) or 'not seen'}", observed)


PROVIDER_CHECKS = (
    connection_test,
    livestreams,
    live_filter,
    exclude_meetings,
    livestream,
    active_session,
    session,
    session_async,
    unknown_session,
    analytics_overall,
    analytics_daywise,
)


def _read(ctx: RunContext, items: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    # A sample, not the whole list: at most SAMPLE items (one page of the provider's size) and at most
    # LIST_REQUESTS requests, which matters where the API serves one item per page (the definition's form).
    budget = ctx.clients.budget
    start = len(budget.sent)
    read: list[dict[str, Any]] = []
    for item in items:
        read.append(item)
        if len(read) >= SAMPLE or len(budget.sent) - start >= LIST_REQUESTS:
            break
    ctx.clients.redactor.harvest(read)
    return read


async def _read_session_async(ctx: RunContext, session_id: str) -> dict[str, Any]:
    from airflow_provider_realtimekit.hooks.async_client_pool import acquire_client, release_client
    from airflow_provider_realtimekit.hooks.realtimekit import USER_AGENT
    from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
    from scripts.live_contract.target import CONN_ID, HOOK_MAX_ATTEMPTS

    settings = ctx.clients.hook.settings
    # The hook takes this loop's pooled client for the connection: take it first, and make it read-only.
    client = await acquire_client(settings, USER_AGENT)
    try:
        client.event_hooks = read_only_event_hooks(ctx.clients.budget)
        async with RealtimeKitAsyncHook(CONN_ID, max_attempts=HOOK_MAX_ATTEMPTS) as hook:
            return await hook.get_livestream_session(session_id)
    finally:
        await release_client(settings)


def _statuses(items: list[dict[str, Any]]) -> list[str]:
    # Enum words only: anything else is counted as "<other>" so no free text reaches the report.
    statuses = (item.get("status") for item in items)
    return sorted({s if isinstance(s, str) and s.isalpha() and len(s) <= 20 else "<other>" for s in statuses})


def _missing(items: list[dict[str, Any]], fields: tuple[str, ...]) -> list[str]:
    absent = [name for name in fields if any(name not in item for item in items)]
    return [f"missing fields: {', '.join(absent)}"] if absent else []
