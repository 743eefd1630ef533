"""Handlers of the livestream analytics routes: totals for a window (A1) and per day (A2).

Both count the sessions that started in ``[start_time, end_time)``; the time format accepted and the
number rendering follow the shape variants.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_realtimekit.testing.clock import format_timestamp
from airflow_provider_realtimekit.testing.envelopes import Reply, realtimekit_success
from airflow_provider_realtimekit.testing.handlers.context import HandlerContext
from airflow_provider_realtimekit.testing.query import query_analytics_time
from airflow_provider_realtimekit.testing.request import IncomingRequest
from airflow_provider_realtimekit.testing.state import LivestreamSession
from airflow_provider_realtimekit.testing.views import render_number

DAY_SECONDS = 86400


def analytics_overall(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """A1 ``GET .../analytics/livestreams/overall``."""
    with ctx.store.lock:
        data = _totals(ctx, _sessions_started_within(ctx, request))
    return Reply.json(200, realtimekit_success(data))


def analytics_daywise(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """A2 ``GET .../analytics/livestreams/daywise``: one item per UTC day with sessions."""
    with ctx.store.lock:
        by_day: dict[int, list[LivestreamSession]] = {}
        for session in _sessions_started_within(ctx, request):
            by_day.setdefault(int(session.started // DAY_SECONDS), []).append(session)
        days = [{"date": format_timestamp(day * DAY_SECONDS), **_totals(ctx, by_day[day])} for day in sorted(by_day)]
    return Reply.json(200, realtimekit_success(days))


def _sessions_started_within(ctx: HandlerContext, request: IncomingRequest) -> list[LivestreamSession]:
    accepted = ctx.variants.analytics_time_format
    start = query_analytics_time(request.query, "start_time", accepted)
    end = query_analytics_time(request.query, "end_time", accepted)
    low = float("-inf") if start is None else start
    high = float("inf") if end is None else end
    return [s for s in ctx.store.sessions.values() if low <= s.started < high]


def _totals(ctx: HandlerContext, sessions: list[LivestreamSession]) -> dict[str, Any]:
    numbers = ctx.variants.numbers
    return {
        "count": render_number(len(sessions), numbers),
        "total_ingest_seconds": render_number(sum(s.ingest_seconds for s in sessions), numbers),
        "total_viewer_seconds": render_number(sum(s.viewer_seconds for s in sessions), numbers),
    }
