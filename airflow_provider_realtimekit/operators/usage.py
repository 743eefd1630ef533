"""RealtimeKitLivestreamUsageOperator: one file of livestream-session usage per run window.

The pull streams: every session goes from the API response to the output file without being kept, so
memory stays flat however many sessions an app has. :func:`pull_livestream_usage` is the whole pull;
the operator only resolves the window and the connection, so benchmarks and other tools can call the
function with any hook.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any, Literal, get_args

import pendulum
from airflow.sdk import BaseOperator, Context, ObjectStoragePath

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitConfigError,
    RealtimeKitInvalidResponseError,
)
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

UsageFormat = Literal["jsonl", "csv"]
WindowField = Literal["started_time", "stopped_time"]

USAGE_FORMATS: tuple[str, ...] = get_args(UsageFormat)
WINDOW_FIELDS: tuple[str, ...] = get_args(WindowField)

#: The columns of every row, in file order (CSV header and JSON key order).
USAGE_COLUMNS: tuple[str, ...] = (
    "livestream_id",
    "livestream_name",
    "session_id",
    "started_time",
    "stopped_time",
    "duration_seconds",
    "ingest_seconds",
    "viewer_seconds",
    "err_message",
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsageWindow:
    """
    The half-open window ``[start, end)`` and the session timestamp that places a session in it.

    :param start: the first instant inside the window (UTC).
    :param end: the first instant after the window (UTC).
    :param field: ``"started_time"`` or ``"stopped_time"``.
    """

    start: datetime
    end: datetime
    field: WindowField = "started_time"

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            edge = getattr(self, name)
            if not isinstance(edge, datetime) or edge.utcoffset() is None:
                raise RealtimeKitConfigError(
                    f"The usage window {name} must be a timezone-aware datetime, got {edge!r}."
                )
        if self.field not in WINDOW_FIELDS:
            raise RealtimeKitConfigError(f"window_field must be one of {list(WINDOW_FIELDS)}, got {self.field!r}.")
        if self.end <= self.start:
            raise RealtimeKitConfigError(
                f"The usage window end ({self.end.isoformat()}) must be after its start "
                f"({self.start.isoformat()}). Runs of an unscheduled DAG, and since Airflow 3.0 of a cron-string "
                "schedule (CronTriggerTimetable), have an empty data interval: pass start and end, or schedule "
                "with CronDataIntervalTimetable."
            )

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in ``[start, end)``."""
        return self.start <= instant < self.end

    def describe(self) -> str:
        return f"[{_iso(self.start)}, {_iso(self.end)}) by {self.field}"


@dataclass
class UsageTotals:
    """Running totals of one pull: all it keeps besides the current API page (and the hook pager's seen ids)."""

    rows: int = 0
    total_ingest_seconds: float = 0.0
    total_viewer_seconds: float = 0.0
    live_sessions: int = 0
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


class RealtimeKitLivestreamUsageOperator(BaseOperator):
    """
    Write one file with a row per livestream session of a time window, and return a small summary.

    **Window.** By default the run's data interval (``data_interval_start`` to ``data_interval_end``);
    ``start`` and/or ``end`` override either side. Since Airflow 3.0 a cron-string schedule such as
    ``"@daily"`` gives runs an empty data interval: schedule with ``CronDataIntervalTimetable("@daily",
    timezone="UTC")`` (or pass ``start``/``end``). The window is half-open, ``[start, end)``, so
    consecutive scheduled runs neither miss nor double-count a session. A session belongs to the window
    when its ``window_field`` timestamp lies in it:

    - ``window_field="started_time"`` (default): sessions that *started* in the window. A session still
      live at the window end (no ``stopped_time`` yet, or one at or after ``end``) is written with an empty
      ``stopped_time`` and ``duration_seconds``, and counted in the summary's ``live_sessions``; its
      ``ingest_seconds`` / ``viewer_seconds`` are the API's figures at pull time. Set
      ``include_live_sessions=False`` to leave such sessions out instead.
    - ``window_field="stopped_time"``: sessions that *stopped* in the window, so each row is final. A
      session still live at the window end is left to the run whose window contains its stop
      (``live_sessions`` is then always 0).

    Sessions whose ``started_time`` is missing (invoked but never started) are skipped and counted in the log.

    **Which sessions are read.** Every livestream of the app (optionally without meetings' livestreams)
    and all its sessions, filtered here: the API's ``start_time``/``end_time`` filters may apply to a
    livestream's creation time [U], and a livestream created long ago can have sessions in any window.
    API requests therefore grow with the app's whole session history, not with the window.

    **Rows** (``USAGE_COLUMNS``): livestream_id, livestream_name, session_id, started_time, stopped_time
    (ISO-8601 UTC with milliseconds, e.g. ``2026-03-01T07:08:39.000Z``), duration_seconds, ingest_seconds,
    viewer_seconds (floats; the API's strings and fractions are converted) and err_message. Rows are in
    the order the API lists them: livestreams as walked (newest first), each livestream's sessions in the
    API's order. That order is deterministic for the same API answers, so a re-run writes a
    byte-identical file, and needs no sort, which would hold every row in memory.

    **Output.** ``output_path`` is a local path or any ``ObjectStoragePath`` URL (``file://``, ``s3://``...).
    Rows are streamed to a hidden temporary sibling and moved onto ``output_path`` only when the pull has
    succeeded, so the final path never holds a partial file and a good file from an earlier run stays
    untouched when a re-run fails. The destination is checked (parent created, temporary file opened)
    before the first API request.

    **Return value** (XCom): ``{"window_start", "window_end", "window_field", "path", "format", "rows",
    "total_ingest_seconds", "total_viewer_seconds", "live_sessions", "livestreams", "api_requests"}``, where
    ``livestreams`` counts livestreams with at least one row and ``api_requests`` includes retries. With
    ``include_analytics=True`` it also holds ``"analytics"``: the API's own totals for the window.

    :param output_path: where to write the file (templated), e.g.
        ``/data/usage/{{ data_interval_start | ds }}.jsonl``; local paths must be absolute.
    :param format: ``"jsonl"`` (one JSON object per line) or ``"csv"`` (with a header row).
    :param start: the window start (templated; ISO-8601 string with an offset, or an aware datetime);
        default ``data_interval_start``.
    :param end: the window end (templated; same forms); default ``data_interval_end``.
    :param window_field: ``"started_time"`` or ``"stopped_time"``: the session timestamp that must lie in
        the window.
    :param include_live_sessions: with ``window_field="started_time"``, write sessions still live at the
        window end (default) or leave them out.
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
        realtimekit_conn_id: str = RealtimeKitHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check_choice("format", format, USAGE_FORMATS)
        _check_choice("window_field", window_field, WINDOW_FIELDS)
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


def resolve_window(
    start: str | datetime | None,
    end: str | datetime | None,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    window_field: WindowField = "started_time",
) -> UsageWindow:
    """
    The pull window: explicit ``start``/``end`` where given (an empty string counts as not given), else
    the run's data interval.

    :param start: the explicit start, an ISO-8601 string with an offset or an aware datetime.
    :param end: the explicit end, same forms.
    :param data_interval_start: the run's data interval start, if any.
    :param data_interval_end: the run's data interval end, if any.
    :param window_field: the session timestamp that places a session in the window.
    """
    return UsageWindow(
        start=_window_edge("start", start, data_interval_start, "data_interval_start"),
        end=_window_edge("end", end, data_interval_end, "data_interval_end"),
        field=window_field,
    )


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
    :param include_live_sessions: write sessions still live at the window end (``started_time`` windows).
    :param exclude_meetings: skip livestreams that belong to meetings.
    :param include_analytics: also fetch the API's analytics for the window and compare.
    :param logger: where progress and warnings go.
    """
    _check_choice("format", format, USAGE_FORMATS)
    destination = _destination(output_path)
    hook.settings  # noqa: B018  (reads and checks the connection before the destination is touched)
    requests_before = hook.requests_sent
    totals = UsageTotals()
    analytics: dict[str, Any] | None = None
    logger.info("Pulling RealtimeKit livestream usage for %s into %s", window.describe(), destination)
    with _staged_file(destination) as stream:
        writer = _row_writer(stream, format)
        for row in _usage_rows(hook, window, totals, include_live_sessions, exclude_meetings):
            writer(row)
        if include_analytics:
            analytics = _analytics(hook, window, totals, logger)
    _log_totals(logger, window, totals)
    summary: dict[str, Any] = {
        "window_start": _iso(window.start),
        "window_end": _iso(window.end),
        "window_field": window.field,
        "path": str(destination),
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


# -- rows ---------------------------------------------------------------------------------------------


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
        rows_before = totals.rows
        for session in hook.iter_livestream_sessions(livestream_id):
            totals.sessions_seen += 1
            row = usage_row(livestream, session, window, totals)
            if row is None:
                continue
            if row["stopped_time"] is None and not include_live_sessions:
                totals.live_sessions_left_out += 1
                continue
            totals.add(row)
            yield row
        if totals.rows > rows_before:
            totals.livestreams += 1


def usage_row(
    livestream: Mapping[str, Any],
    session: Mapping[str, Any],
    window: UsageWindow,
    totals: UsageTotals | None = None,
) -> dict[str, Any] | None:
    """
    The usage row of ``session`` when it belongs to ``window``, else None.

    :param livestream: the livestream as listed by the API.
    :param session: the session as returned by the API.
    :param window: the window.
    :param totals: counts skipped sessions, when given.
    """
    session_id = session.get("id")
    started = _api_time(session.get("started_time"), "started_time", session_id)
    if started is None:
        if totals is not None:
            totals.sessions_without_start += 1
        return None
    stopped = _api_time(session.get("stopped_time"), "stopped_time", session_id)
    if window.field == "started_time":
        if not window.contains(started):
            return None
        if stopped is not None and stopped >= window.end:
            # Live at the window end: the row shows the session as the window saw it, so a later re-run of
            # the same window writes the same row.
            stopped = None
    elif stopped is None or not window.contains(stopped):
        return None
    return {
        "livestream_id": livestream.get("id"),
        "livestream_name": livestream.get("name"),
        "session_id": session_id,
        "started_time": _iso(started),
        "stopped_time": None if stopped is None else _iso(stopped),
        "duration_seconds": None if stopped is None else (stopped - started).total_seconds(),
        "ingest_seconds": _seconds(session.get("ingest_seconds"), "ingest_seconds", session_id),
        "viewer_seconds": _seconds(session.get("viewer_seconds"), "viewer_seconds", session_id),
        "err_message": session.get("err_message") or None,
    }


def _api_time(value: object, name: str, session_id: object) -> datetime | None:
    # Live sessions show stopped_time as null, missing or "" depending on the endpoint and SDK [U].
    if value is None or value == "":
        return None
    text = str(value)
    try:
        # The API's own form (2023-07-15T07:08:39.000Z) parses in the stdlib at 1/40 of pendulum's cost,
        # which is most of the per-row time; anything else goes to pendulum.
        parsed: datetime = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        try:
            parsed = pendulum.parse(text)  # type: ignore[assignment]
        except (ValueError, TypeError) as error:
            raise RealtimeKitInvalidResponseError(
                f"Livestream session {session_id!r} has an unreadable {name}: {value!r}."
            ) from error
    if not isinstance(parsed, datetime):
        raise RealtimeKitInvalidResponseError(
            f"Livestream session {session_id!r} has a {name} that is not a time: {value!r}."
        )
    # API timestamps are UTC; one without an offset is read as UTC rather than refused.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _seconds(value: object, name: str, session_id: object) -> float | None:
    # The API types these as integers, numbers or strings depending on the endpoint [U]; all become floats.
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RealtimeKitInvalidResponseError(f"Livestream session {session_id!r} has a boolean {name}: {value!r}.")
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise RealtimeKitInvalidResponseError(
            f"Livestream session {session_id!r} has a {name} that is not a number: {value!r}."
        ) from error
    if not math.isfinite(seconds):
        raise RealtimeKitInvalidResponseError(f"Livestream session {session_id!r} has a {name} of {value!r}.")
    return seconds


def _iso(instant: datetime) -> str:
    # The API's form: UTC, milliseconds, "Z".
    return instant.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- writing --------------------------------------------------------------------------------------------


def _row_writer(stream: _ChunkedTextWriter, format: UsageFormat) -> Any:
    if format == "csv":
        csv_writer = csv.DictWriter(stream, fieldnames=USAGE_COLUMNS, lineterminator="\n")
        csv_writer.writeheader()
        return csv_writer.writerow

    def write_json_line(row: Mapping[str, Any]) -> None:
        stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")

    return write_json_line


def _destination(output_path: str | ObjectStoragePath) -> ObjectStoragePath:
    if isinstance(output_path, str):
        if not output_path.strip():
            raise RealtimeKitConfigError("output_path is empty.")
        # Checked on the string: before Airflow 3.2, ObjectStoragePath("day.jsonl") silently becomes
        # "/day.jsonl", so the parsed path can no longer tell a relative path from an absolute one.
        if "://" not in output_path and not output_path.startswith("/"):
            raise _relative_path_error(output_path)
        try:
            path = ObjectStoragePath(output_path)
        except ValueError as error:
            raise RealtimeKitConfigError(f"Cannot write the usage file {output_path}: {error}.") from error
    elif isinstance(output_path, ObjectStoragePath):
        path = output_path
    else:
        raise RealtimeKitConfigError(
            f"output_path must be a str or an ObjectStoragePath, got {type(output_path).__name__}."
        )
    if path.protocol in ("", "file") and not path.path.startswith("/"):
        raise _relative_path_error(output_path)
    if not path.name or str(path).endswith("/"):
        raise RealtimeKitConfigError(f"output_path {output_path!s} names a directory; give a file name.")
    return path


def _relative_path_error(output_path: str | ObjectStoragePath) -> RealtimeKitConfigError:
    return RealtimeKitConfigError(
        f"output_path {output_path!s} is relative; use an absolute path or a URL (a worker's working "
        "directory is not predictable)."
    )


@contextmanager
def _staged_file(final: ObjectStoragePath) -> Iterator[_ChunkedTextWriter]:
    """
    A text stream to a hidden temporary sibling of ``final``, moved onto ``final`` when the block succeeds
    and removed when it fails.
    """
    temporary = final.parent / f".{final.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        stream = _ChunkedTextWriter(temporary.open("wb"))
    except Exception as error:
        _remove_quietly(temporary)
        raise RealtimeKitConfigError(
            f"Cannot write the usage file {final}: {type(error).__name__}: {error}. Nothing was requested "
            "from the API; check output_path and its permissions."
        ) from error
    try:
        yield stream
        stream.close()
        temporary.rename(final)
    except BaseException:
        _close_quietly(stream)
        _remove_quietly(temporary)
        raise


class _ChunkedTextWriter:
    """
    A write-only UTF-8 text stream that hands the binary file large chunks.

    ``ObjectStoragePath`` files are wrapped for lineage tracking, which makes each call to them cost tens
    of microseconds; a ``TextIOWrapper`` consults the file on every ``write``, so rows are gathered here.

    :param binary: the binary file to write to (closed by :meth:`close`).
    :param chunk_chars: characters gathered before a write to the file.
    """

    def __init__(self, binary: IO[bytes], chunk_chars: int = 1 << 18) -> None:
        self._binary = binary
        self._chunk_chars = chunk_chars
        self._pending: list[str] = []
        self._pending_chars = 0

    def write(self, text: str) -> int:
        self._pending.append(text)
        self._pending_chars += len(text)
        if self._pending_chars >= self._chunk_chars:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._binary.write("".join(self._pending).encode("utf-8"))
            self._pending.clear()
            self._pending_chars = 0

    def close(self) -> None:
        if self._binary.closed:
            return
        try:
            self.flush()
        finally:
            self._binary.close()

    def discard(self) -> None:
        """Drop what is pending and close the file without writing it."""
        self._pending.clear()
        self._binary.close()


def _close_quietly(stream: _ChunkedTextWriter) -> None:
    try:
        stream.discard()
    except Exception:
        log.debug("Closing the temporary usage file failed", exc_info=True)


def _remove_quietly(path: ObjectStoragePath) -> None:
    try:
        if path.exists():
            path.unlink()
    except Exception:
        log.warning("Could not remove the temporary usage file %s", path, exc_info=True)


# -- summary ---------------------------------------------------------------------------------------------


def _analytics(hook: RealtimeKitHook, window: UsageWindow, totals: UsageTotals, logger: Any) -> dict[str, Any]:
    raw = hook.get_livestream_analytics(window.start, window.end)
    count = _analytics_number(raw, "count")
    analytics = {
        "count": None if count is None else round(count),
        "total_ingest_seconds": _analytics_number(raw, "total_ingest_seconds"),
        "total_viewer_seconds": _analytics_number(raw, "total_viewer_seconds"),
    }
    ours: dict[str, float] = {
        "count": totals.rows,
        "total_ingest_seconds": totals.total_ingest_seconds,
        "total_viewer_seconds": totals.total_viewer_seconds,
    }
    differences = [
        f"{name}: API {_shown(theirs)} vs rows {_shown(ours[name])}"
        for name, theirs in analytics.items()
        if theirs is None or not _close(theirs, ours[name])
    ]
    if differences:
        logger.warning(
            "RealtimeKit analytics disagree with the pulled rows for %s (%s). The analytics endpoint may "
            "place sessions in the window differently (by start, by stop, by day) or count live sessions "
            "differently; the rows are computed from the sessions themselves.",
            window.describe(),
            "; ".join(differences),
        )
    return analytics


def _shown(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def _analytics_number(raw: Mapping[str, Any], name: str) -> float | None:
    value = raw.get(name) if isinstance(raw, Mapping) else None
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _close(theirs: float, ours: float) -> bool:
    # The API may round per session or per total: a second of slack, or a millionth of the figure.
    return abs(theirs - ours) <= max(1.0, 1e-6 * max(abs(theirs), abs(ours)))


def _log_totals(logger: Any, window: UsageWindow, totals: UsageTotals) -> None:
    logger.info(
        "Wrote %d rows for %s: %d livestreams walked, %d with rows; %d sessions read; %d live at the window "
        "end written, %d left out; %d without a started_time skipped",
        totals.rows,
        window.describe(),
        totals.livestreams_walked,
        totals.livestreams,
        totals.sessions_seen,
        totals.live_sessions,
        totals.live_sessions_left_out,
        totals.sessions_without_start,
    )


# -- inputs ------------------------------------------------------------------------------------------------


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RealtimeKitConfigError(f"{name} must be one of {list(allowed)}, got {value!r}.")


def _window_edge(
    name: str, explicit: str | datetime | None, from_run: datetime | None, run_key: str
) -> pendulum.DateTime:
    if isinstance(explicit, str) and not explicit.strip():
        explicit = None
    if explicit is None:
        if from_run is None:
            raise RealtimeKitConfigError(
                f"No window {name}: the run has no {run_key} (e.g. a manual run without a data interval) and "
                f"{name} was not given. Pass {name} as an ISO-8601 time with an offset, e.g. "
                "'2026-03-01T00:00:00Z'."
            )
        return _aware(name, from_run)
    if isinstance(explicit, datetime):
        return _aware(name, explicit)
    if not isinstance(explicit, str):
        raise RealtimeKitConfigError(f"{name} must be an ISO-8601 string or a datetime, got {type(explicit).__name__}.")
    try:
        parsed = pendulum.parse(explicit.strip(), tz=None)
    except (ValueError, TypeError) as error:
        raise RealtimeKitConfigError(f"{name} {explicit!r} is not an ISO-8601 date-time: {error}") from error
    if not isinstance(parsed, datetime):
        raise RealtimeKitConfigError(f"{name} {explicit!r} is not a date-time.")
    return _aware(name, parsed)


def _aware(name: str, value: datetime) -> pendulum.DateTime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise RealtimeKitConfigError(
            f"{name} {value.isoformat()} has no timezone; add an offset such as 'Z' or '+00:00'."
        )
    return pendulum.instance(value).in_timezone("UTC")


__all__ = [
    "USAGE_COLUMNS",
    "RealtimeKitLivestreamUsageOperator",
    "UsageTotals",
    "UsageWindow",
    "pull_livestream_usage",
    "resolve_window",
    "usage_row",
]
