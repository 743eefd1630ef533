"""The usage window: the half-open ``[start, end)`` interval, the session timestamp that places a session in
it, and how a run's data interval or explicit ``start``/``end`` become one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, get_args

import pendulum

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError

WindowField = Literal["started_time", "stopped_time"]
WINDOW_FIELDS: tuple[str, ...] = get_args(WindowField)


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
        return f"[{iso_utc(self.start)}, {iso_utc(self.end)}) by {self.field}"


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


def iso_utc(instant: datetime) -> str:
    """``instant`` in the API's own form: UTC, milliseconds, ``Z``."""
    return instant.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """Refuse ``value`` unless it is one of ``allowed``, naming the parameter and the choices."""
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
