"""Handlers of the livestream routes: the list (L1), one livestream with its sessions (L3), its active
session (L4) and the seed endpoint (L5). Each takes the store lock for the whole read, so the view is
consistent; shapes follow the variants.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_realtimekit.testing.envelopes import Reply, realtimekit_paged, realtimekit_success
from airflow_provider_realtimekit.testing.handlers.context import HandlerContext
from airflow_provider_realtimekit.testing.paging import Page, PageRequest
from airflow_provider_realtimekit.testing.query import query_bool, query_choice, query_iso_time
from airflow_provider_realtimekit.testing.request import IncomingRequest
from airflow_provider_realtimekit.testing.views import livestream_view, session_view

#: The definition's enum for L1's ``status`` filter; ``OFFLINE`` (seen in guides and webhooks) answers 422.
LIVESTREAM_STATUSES = ("LIVE", "IDLE", "ERRORED", "INVOKED")


def livestream_session(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """L5, the seed endpoint: one session; each GET counts as a poll for ``Polls`` stop rules."""
    session_id = request.params["session_id"]
    with ctx.store.lock:
        session = ctx.store.sessions.get(session_id)
        if session is None:
            return ctx.not_found(f"No livestream session found for id {session_id}")
        now = ctx.store.clock.now()
        session.record_poll(now)
        data = session_view(session, now, ctx.variants)
    return Reply.json(200, realtimekit_success(data))


def active_livestream_session(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """L4: the livestream and its newest live session (counts typed as strings, as the definition has them)."""
    livestream_id = request.params["livestream_id"]
    with ctx.store.lock:
        livestream = ctx.store.livestreams.get(livestream_id)
        if livestream is None:
            return ctx.not_found(f"No livestream found for id {livestream_id}")
        now = ctx.store.clock.now()
        live = livestream.live_sessions(now)
        if not live:
            return ctx.not_found(f"No active livestream session found for livestream id {livestream_id}")
        data = {
            "livestream": livestream_view(livestream, now, ctx.variants),
            "session": session_view(live[0], now, ctx.variants, counts_as_strings=True),
        }
    return Reply.json(200, realtimekit_success(data))


def livestream(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """L3: one livestream and a page of its sessions, newest first."""
    livestream_id = request.params["livestream_id"]
    wanted = PageRequest.from_query(request.query, ctx.variants)
    definition = ctx.variants.livestream_sessions == "definition"
    single = definition or ctx.variants.list_shape == "object"
    if single:
        wanted = PageRequest(index=wanted.index, per_page=1)
    with ctx.store.lock:
        found = ctx.store.livestreams.get(livestream_id)
        if found is None:
            return ctx.not_found(f"No livestream found for id {livestream_id}")
        now = ctx.store.clock.now()
        page = Page.of(found.sorted_sessions(), wanted)
        sessions = [session_view(s, now, ctx.variants) for s in page.items]
        data: dict[str, Any] = {"livestream": livestream_view(found, now, ctx.variants)}
        if single:
            data["session"] = sessions[0] if sessions else None
        else:
            data["sessions"] = sessions
    if definition:
        return Reply.json(200, realtimekit_success({**data, "paging": page.paging()}))
    return Reply.json(200, realtimekit_paged(data, page.paging(), ctx.variants))


def livestreams(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """L1: the app's livestreams, filtered, sorted by creation (``DSC`` by default) and paged."""
    query = request.query
    wanted = PageRequest.from_query(query, ctx.variants)
    definition = ctx.variants.list_shape == "definition"
    if definition:
        wanted = PageRequest(index=wanted.index, per_page=1)
    status = query_choice(query, "status", LIVESTREAM_STATUSES)
    start = query_iso_time(query, "start_time")
    end = query_iso_time(query, "end_time")
    exclude_meetings = query_bool(query, "exclude_meetings", False)
    descending = (query_choice(query, "sort_order", ("ASC", "DSC")) or "DSC") == "DSC"
    with ctx.store.lock:
        now = ctx.store.clock.now()
        chosen = [
            item
            for item in ctx.store.livestreams.values()
            if (start is None or item.created >= start)
            and (end is None or item.created < end)
            and not (exclude_meetings and item.meeting_id)
            and (status is None or item.status(now) == status)
        ]
        chosen.sort(key=lambda item: item.created, reverse=descending)
        page = Page.of(chosen, wanted)
        items = [livestream_view(item, now, ctx.variants) for item in page.items]
    if definition:
        # The definition models ``data`` as one livestream with ``paging`` inside.
        return Reply.json(200, realtimekit_success({**(items[0] if items else {}), "paging": page.paging()}))
    data: list[Any] | dict[str, Any] = items
    if ctx.variants.list_shape == "object":
        data = {"livestreams": items}
    return Reply.json(200, realtimekit_paged(data, page.paging(), ctx.variants))
