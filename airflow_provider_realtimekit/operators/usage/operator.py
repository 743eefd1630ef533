"""RealtimeKitLivestreamUsageOperator: one file of livestream-session usage per run window.

Only what a DAG file needs is imported here; the hook and the pull (which bring the HTTP protocol and
object storage) are imported when the task runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_realtimekit.hooks import DEFAULT_CONN_ID
from airflow_provider_realtimekit.operators.usage.window import (
    WINDOW_FIELDS,
    WindowField,
    check_choice,
    resolve_window,
)
from airflow_provider_realtimekit.operators.usage.writers import USAGE_FORMATS, UsageFormat

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath


class RealtimeKitLivestreamUsageOperator(BaseOperator):
    """
    Write one file with a row per livestream session of a time window, and return a small summary.

    **Window.** By default the run's data interval (``data_interval_start`` to ``data_interval_end``);
    ``start`` and/or ``end`` override either side. Since Airflow 3.0 a cron-string schedule such as
    ``"@daily"`` gives runs an empty data interval: schedule with ``CronDataIntervalTimetable("@daily",
    timezone="UTC")`` (or pass ``start``/``end``). The window is half-open, ``[start, end)``, so
    consecutive scheduled runs neither miss nor double-count a session. A session belongs to the window
    when its ``window_field`` timestamp lies in it:

    - ``window_field="started_time"`` (default): sessions that *started* in the window. A session live at
      the window end (no ``stopped_time`` yet, or one at or after ``end``) has ``live_at_window_end`` true.
      Every row says what is known at pull time: a session that stopped after the window end has its real
      ``stopped_time`` and ``duration_seconds``; only a session still live when the pull runs has them
      empty, and only those count in the summary's ``live_sessions``. Set ``include_live_sessions=False``
      to leave sessions live at the window end out instead.
    - ``window_field="stopped_time"``: sessions that *stopped* in the window, so each row is final and
      ``live_at_window_end`` is false. A session still live at the window end is left to the run whose
      window contains its stop (``live_sessions`` is then always 0).

    Sessions whose ``started_time`` is missing (invoked but never started) are skipped and counted in the log.

    **Which sessions are read.** Every livestream of the app (optionally without meetings' livestreams)
    and all its sessions, filtered here: the API's ``start_time``/``end_time`` filters may apply to a
    livestream's creation time [U], and a livestream created long ago can have sessions in any window.
    API requests therefore grow with the app's whole session history, not with the window.

    **Rows** (``USAGE_COLUMNS``): livestream_id, livestream_name, session_id, started_time, stopped_time
    (ISO-8601 UTC with milliseconds, e.g. ``2026-03-01T07:08:39.000Z``), duration_seconds, ingest_seconds,
    viewer_seconds (floats; the API's strings and fractions are converted), err_message and
    live_at_window_end (bool). ``ingest_seconds``, ``viewer_seconds`` and ``err_message`` are the API's
    figures at pull time, final once the session has stopped. Rows are in the order the API lists them:
    livestreams as walked (newest first), each livestream's sessions in the API's order. That order is
    deterministic for the same API answers, so a re-run after every session of the window has stopped
    writes a byte-identical file, and needs no sort, which would hold every row in memory.

    **Output.** ``output_path`` is a local path or any ``ObjectStoragePath`` URL (``file://``, ``s3://``...).
    Rows are streamed to a hidden temporary sibling and moved onto ``output_path`` only when the pull has
    succeeded, so the final path never holds a partial file and a good file from an earlier run stays
    untouched when a re-run fails. The destination is checked (parent created, temporary file opened)
    before the first API request.

    **Return value** (XCom): ``{"window_start", "window_end", "window_field", "path", "format", "rows",
    "total_ingest_seconds", "total_viewer_seconds", "live_sessions", "livestreams", "api_requests"}``, where
    ``live_sessions`` counts rows of sessions still live at pull time, ``livestreams`` counts livestreams
    with at least one row and ``api_requests`` includes retries. With
    ``include_analytics=True`` it also holds ``"analytics"``: the API's own totals for the window.

    :param output_path: where to write the file (templated), e.g.
        ``/data/usage/{{ data_interval_start | ds }}.jsonl``; local paths must be absolute.
    :param format: ``"jsonl"`` (one JSON object per line) or ``"csv"`` (with a header row).
    :param start: the window start (templated; ISO-8601 string with an offset, or an aware datetime);
        default ``data_interval_start``.
    :param end: the window end (templated; same forms); default ``data_interval_end``.
    :param window_field: ``"started_time"`` or ``"stopped_time"``: the session timestamp that must lie in
        the window.
    :param include_live_sessions: with ``window_field="started_time"``, write sessions live at the window
        end (default) or leave them out.
    :param exclude_meetings: skip livestreams that belong to meetings.
    :param include_analytics: also fetch the API's livestream analytics for the window, return them under
        ``"analytics"`` and log a warning when they disagree with the rows.
    :param realtimekit_conn_id: the ``realtimekit`` connection (templated).
    """

    template_fields = ("output_path", "start", "end", "realtimekit_conn_id")
    ui_color = "#f6821f"

    def __init__(
        self,
        *,
        output_path: str | ObjectStoragePath,
        format: UsageFormat = "jsonl",
        start: str | datetime | None = None,
        end: str | datetime | None = None,
        window_field: WindowField = "started_time",
        include_live_sessions: bool = True,
        exclude_meetings: bool = False,
        include_analytics: bool = False,
        realtimekit_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_choice("format", format, USAGE_FORMATS)
        check_choice("window_field", window_field, WINDOW_FIELDS)
        self.output_path = output_path
        self.format: UsageFormat = format
        self.start = start
        self.end = end
        self.window_field: WindowField = window_field
        self.include_live_sessions = include_live_sessions
        self.exclude_meetings = exclude_meetings
        self.include_analytics = include_analytics
        self.realtimekit_conn_id = realtimekit_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        window = resolve_window(
            self.start,
            self.end,
            context.get("data_interval_start"),
            context.get("data_interval_end"),
            self.window_field,
        )
        from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
        from airflow_provider_realtimekit.operators.usage.pull import pull_livestream_usage

        with RealtimeKitHook(realtimekit_conn_id=self.realtimekit_conn_id) as hook:
            return pull_livestream_usage(
                hook,
                window,
                self.output_path,
                format=self.format,
                include_live_sessions=self.include_live_sessions,
                exclude_meetings=self.exclude_meetings,
                include_analytics=self.include_analytics,
                logger=self.log,
            )
