"""The session-ended watcher's kwargs: checked once, in one place, with messages naming the fix.

The checks run when the DAG file is parsed (the asset helper and the trigger's constructor call
:func:`check_watch_parameters`), so a bad value is refused before a trigger row exists. Inside the
triggerer the constructor must never raise (an exception there takes down every trigger of the
triggerer), so there the error is kept and reported by ``run()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pendulum

from airflow_provider_realtimekit.api.ids import validate_id
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError

#: Seconds. Polling faster than this costs the shared token's budget without making runs start sooner in
#: any way that matters (the scheduler picks asset events up on its own loop).
MIN_POLL_INTERVAL = 5.0
DEFAULT_POLL_INTERVAL = 60.0
DEFAULT_CONN_ID = "realtimekit_default"


@dataclass(frozen=True)
class WatchParameters:
    """
    The watcher's kwargs once checked and normalised (every value plain JSON again).

    :param realtimekit_conn_id: the ``realtimekit`` connection.
    :param poll_interval: seconds between poll cycles, at least ``MIN_POLL_INTERVAL``.
    :param livestream_ids: only sessions of these livestreams; None watches every livestream of the app.
    :param exclude_meetings: leave out livestreams of meetings (the listing's ``exclude_meetings``).
    :param include_errored: report sessions that ended with an ``err_message`` too.
    :param since: epoch seconds; sessions that stopped after it are reported on the first start (a
        backfill); None reports only sessions that stop after the watcher first started.
    """

    realtimekit_conn_id: str = DEFAULT_CONN_ID
    poll_interval: float = DEFAULT_POLL_INTERVAL
    livestream_ids: tuple[str, ...] | None = None
    exclude_meetings: bool = False
    include_errored: bool = True
    since: float | None = None

    def to_kwargs(self) -> dict[str, Any]:
        """The kwargs as plain JSON values, the form the trigger serializes."""
        return {
            "realtimekit_conn_id": self.realtimekit_conn_id,
            "poll_interval": self.poll_interval,
            "livestream_ids": None if self.livestream_ids is None else list(self.livestream_ids),
            "exclude_meetings": self.exclude_meetings,
            "include_errored": self.include_errored,
            "since": None if self.since is None else pendulum.from_timestamp(self.since).isoformat(),
        }


def check_watch_parameters(
    realtimekit_conn_id: object = DEFAULT_CONN_ID,
    poll_interval: object = DEFAULT_POLL_INTERVAL,
    livestream_ids: object = None,
    exclude_meetings: object = False,
    include_errored: object = True,
    since: object = None,
) -> WatchParameters:
    """
    Check the watcher's kwargs; return them normalised or raise :class:`RealtimeKitConfigError`.

    :param realtimekit_conn_id: a non-empty connection id.
    :param poll_interval: seconds, a finite number >= ``MIN_POLL_INTERVAL``.
    :param livestream_ids: None, or a non-empty list of livestream ids.
    :param exclude_meetings: a bool.
    :param include_errored: a bool.
    :param since: None, a timezone-aware datetime, or an ISO-8601 string with an offset (JSON kwargs
        cannot hold a datetime, so it is stored as that string).
    """
    if not isinstance(realtimekit_conn_id, str) or not realtimekit_conn_id.strip():
        raise RealtimeKitConfigError(
            f"realtimekit_conn_id must be a non-empty connection id, got {realtimekit_conn_id!r}."
        )
    return WatchParameters(
        realtimekit_conn_id=realtimekit_conn_id,
        poll_interval=_poll_interval(poll_interval),
        livestream_ids=_livestream_ids(livestream_ids),
        exclude_meetings=_flag("exclude_meetings", exclude_meetings),
        include_errored=_flag("include_errored", include_errored),
        since=_since(since),
    )


def _poll_interval(value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise RealtimeKitConfigError(f"poll_interval must be a number of seconds, got {value!r}.")
    if value < MIN_POLL_INTERVAL:
        raise RealtimeKitConfigError(
            f"poll_interval must be at least {MIN_POLL_INTERVAL:g} seconds, got {value!r}: every cycle lists "
            "the app's livestreams, and the token's budget is shared with every other RealtimeKit task."
        )
    return float(value)


def _livestream_ids(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise RealtimeKitConfigError(
            f"livestream_ids must be a list of livestream ids (or None for every livestream), got {value!r}."
        )
    if not value:
        raise RealtimeKitConfigError(
            "livestream_ids is an empty list, which would watch nothing; pass None to watch every livestream."
        )
    for livestream_id in value:
        validate_id("livestream_ids item", livestream_id)
    return tuple(dict.fromkeys(value))  # keeps the order, drops repeats


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise RealtimeKitConfigError(f"{name} must be True or False, got {value!r}.")
    return value


def _since(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise RealtimeKitConfigError(
                f"since must be timezone-aware (use pendulum, or a datetime with tzinfo), got {value!r}."
            )
        return value.timestamp()
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value, strict=False, tz=None)
        except ValueError:  # pendulum's ParserError is one
            parsed = None
        if isinstance(parsed, datetime) and parsed.tzinfo is not None:
            return parsed.timestamp()
        raise RealtimeKitConfigError(
            f"since must be an ISO-8601 date-time with a UTC offset (e.g. '2026-12-01T00:00:00Z'), got {value!r}."
        )
    raise RealtimeKitConfigError(f"since must be a timezone-aware datetime or an ISO-8601 string, got {value!r}.")
