"""The running totals of one usage pull, and the log line that reports them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_realtimekit.operators.usage.window import UsageWindow


@dataclass
class UsageTotals:
    """Running totals of one pull: all it keeps besides the current API page (and the hook pager's seen ids)."""

    rows: int = 0
    total_ingest_seconds: float = 0.0
    total_viewer_seconds: float = 0.0
    #: rows of sessions still live at pull time (no stopped_time): the summary's ``live_sessions``.
    live_sessions: int = 0
    #: rows of sessions live at the window end (``live_at_window_end``), stopped since or not.
    live_at_window_end: int = 0
    livestreams: int = 0
    livestreams_walked: int = 0
    sessions_seen: int = 0
    live_sessions_left_out: int = 0
    sessions_without_start: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.rows += 1
        self.total_ingest_seconds += row["ingest_seconds"] or 0.0
        self.total_viewer_seconds += row["viewer_seconds"] or 0.0
        if row["stopped_time"] is None:
            self.live_sessions += 1
        if row["live_at_window_end"]:
            self.live_at_window_end += 1


def log_totals(logger: Any, window: UsageWindow, totals: UsageTotals) -> None:
    """One info line: what was read, written, left out and skipped."""
    logger.info(
        "Wrote %d rows for %s: %d livestreams walked, %d with rows; %d sessions read; %d live at the window "
        "end written (%d of them still live at pull time), %d left out; %d without a started_time skipped",
        totals.rows,
        window.describe(),
        totals.livestreams_walked,
        totals.livestreams,
        totals.sessions_seen,
        totals.live_at_window_end,
        totals.live_sessions,
        totals.live_sessions_left_out,
        totals.sessions_without_start,
    )
