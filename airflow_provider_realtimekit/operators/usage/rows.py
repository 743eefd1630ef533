"""Usage rows: one session of the API turned into the row written to the file, with its times and figures
read the same way whatever shape the API gave them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pendulum

from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError
from airflow_provider_realtimekit.operators.usage.window import UsageWindow, iso_utc

if TYPE_CHECKING:
    from airflow_provider_realtimekit.operators.usage.totals import UsageTotals

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
    "live_at_window_end",
)


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
        # Stopping exactly at the end counts as live at the end: that stop belongs to the next window, as it
        # does for window_field="stopped_time".
        live_at_window_end = stopped is None or stopped >= window.end
    elif stopped is None or not window.contains(stopped):
        return None
    else:
        live_at_window_end = False
    # Written as known at pull time: a session that stopped after the window end has its real stop and
    # duration, which are final like its figures; only a session still live now has neither.
    return {
        "livestream_id": livestream.get("id"),
        "livestream_name": livestream.get("name"),
        "session_id": session_id,
        "started_time": iso_utc(started),
        "stopped_time": None if stopped is None else iso_utc(stopped),
        "duration_seconds": None if stopped is None else (stopped - started).total_seconds(),
        "ingest_seconds": _seconds(session.get("ingest_seconds"), "ingest_seconds", session_id),
        "viewer_seconds": _seconds(session.get("viewer_seconds"), "viewer_seconds", session_id),
        "err_message": session.get("err_message") or None,
        "live_at_window_end": live_at_window_end,
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
