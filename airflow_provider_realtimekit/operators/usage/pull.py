"""The usage pull loop: every livestream, every session, streamed from the API into the staged file.

The pull streams: every session goes from the API response to the output file without being kept, so
memory stays flat however many sessions an app has. :func:`pull_livestream_usage` is the whole pull;
the operator only resolves the window and the connection, so benchmarks and other tools can call the
function with any hook.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from airflow_provider_realtimekit.api.ids import validate_id
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError, RealtimeKitInvalidResponseError
from airflow_provider_realtimekit.operators.usage.analytics import compare_analytics
from airflow_provider_realtimekit.operators.usage.rows import usage_row
from airflow_provider_realtimekit.operators.usage.staging import destination, staged_file
from airflow_provider_realtimekit.operators.usage.totals import UsageTotals, log_totals
from airflow_provider_realtimekit.operators.usage.window import UsageWindow, check_choice, iso_utc
from airflow_provider_realtimekit.operators.usage.writers import USAGE_FORMATS, UsageFormat, row_writer

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

log = logging.getLogger(__name__)


def pull_livestream_usage(
    hook: RealtimeKitHook,
    window: UsageWindow,
    output_path: str | ObjectStoragePath,
    *,
    format: UsageFormat = "jsonl",
    include_live_sessions: bool = True,
    exclude_meetings: bool = False,
    include_analytics: bool = False,
    logger: logging.Logger | logging.LoggerAdapter | Any = log,
) -> dict[str, Any]:
    """
    Write the usage rows of ``window`` to ``output_path`` atomically; return the summary (see the operator).

    :param hook: the hook to call the API with.
    :param window: the window and the field that places sessions in it.
    :param output_path: the final file, a local absolute path or an ``ObjectStoragePath`` URL.
    :param format: ``"jsonl"`` or ``"csv"``.
    :param include_live_sessions: write sessions live at the window end (``started_time`` windows).
    :param exclude_meetings: skip livestreams that belong to meetings.
    :param include_analytics: also fetch the API's analytics for the window and compare.
    :param logger: where progress and warnings go.
    """
    check_choice("format", format, USAGE_FORMATS)
    final = destination(output_path)
    hook.settings  # noqa: B018  (reads and checks the connection before the destination is touched)
    requests_before = hook.requests_sent
    totals = UsageTotals()
    analytics: dict[str, Any] | None = None
    logger.info("Pulling RealtimeKit livestream usage for %s into %s", window.describe(), final)
    with staged_file(final) as stream:
        write = row_writer(stream, format)
        for row in _usage_rows(hook, window, totals, include_live_sessions, exclude_meetings):
            write(row)
        if include_analytics:
            analytics = compare_analytics(hook, window, totals, logger)
    log_totals(logger, window, totals)
    summary: dict[str, Any] = {
        "window_start": iso_utc(window.start),
        "window_end": iso_utc(window.end),
        "window_field": window.field,
        "path": str(final),
        "format": format,
        "rows": totals.rows,
        "total_ingest_seconds": totals.total_ingest_seconds,
        "total_viewer_seconds": totals.total_viewer_seconds,
        "live_sessions": totals.live_sessions,
        "livestreams": totals.livestreams,
        "api_requests": hook.requests_sent - requests_before,
    }
    if analytics is not None:
        summary["analytics"] = analytics
    return summary


def _usage_rows(
    hook: RealtimeKitHook,
    window: UsageWindow,
    totals: UsageTotals,
    include_live_sessions: bool,
    exclude_meetings: bool,
) -> Iterator[dict[str, Any]]:
    # exclude_meetings=False is not sent: the parameter is left to its API default unless asked for.
    for livestream in hook.iter_livestreams(exclude_meetings=True if exclude_meetings else None):
        livestream_id = livestream.get("id")
        if not isinstance(livestream_id, str) or not livestream_id:
            # Never show the item itself: livestreams carry their stream_key, a secret.
            raise RealtimeKitInvalidResponseError(
                f"The livestream list holds an item without an id (item {totals.livestreams_walked + 1})."
            )
        totals.livestreams_walked += 1
        _check_listed_id(livestream_id, totals.livestreams_walked)
        rows_before = totals.rows
        for session in hook.iter_livestream_sessions(livestream_id):
            totals.sessions_seen += 1
            row = usage_row(livestream, session, window, totals)
            if row is None:
                continue
            if row["live_at_window_end"] and not include_live_sessions:
                totals.live_sessions_left_out += 1
                continue
            totals.add(row)
            yield row
        if totals.rows > rows_before:
            totals.livestreams += 1


def _check_listed_id(livestream_id: str, position: int) -> None:
    # The id goes into the path of the next request. One the API itself listed that fails the check is the
    # API's fault, not the user's: say where it came from rather than raise the user-facing config error.
    try:
        validate_id("livestream_id", livestream_id)
    except RealtimeKitConfigError as error:
        raise RealtimeKitInvalidResponseError(
            f"The API's livestream list (GET /livestreams, item {position}) returned the livestream id "
            f"{_shown_id(livestream_id)}, which cannot be used in a request path: {error} Nothing was written; "
            "the id is the API's own, so report it to Cloudflare.",
            undecodable=False,
        ) from None


def _shown_id(livestream_id: str, limit: int = 80) -> str:
    # An id too long to pass the check may be too long to read in a log line as well.
    if len(livestream_id) <= limit:
        return repr(livestream_id)
    return f"{livestream_id[:limit]!r}... ({len(livestream_id)} characters)"
