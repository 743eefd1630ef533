"""JSON views of livestreams and sessions as the API renders them, under the active shape variants."""

from __future__ import annotations

from typing import Any

from airflow_provider_realtimekit.testing.clock import format_timestamp
from airflow_provider_realtimekit.testing.state import (
    INGEST_SERVER,
    PLAYBACK_URL,
    Livestream,
    LivestreamSession,
)
from airflow_provider_realtimekit.testing.variants import NumberFormat, ShapeVariants


def render_number(value: float, numbers: NumberFormat) -> int | float | str:
    """Render a count per ``ShapeVariants.numbers``.

    :param value: the stored value.
    :param numbers: ``"int"``, ``"float"`` (as stored) or ``"string"``.
    """
    if numbers == "int":
        return round(value)
    if numbers == "string":
        return str(value)
    return value


def session_view(
    session: LivestreamSession, now: float, variants: ShapeVariants, *, counts_as_strings: bool = False
) -> dict[str, Any]:
    """Render a livestream session.

    :param session: the session.
    :param now: emulator time (decides whether it is live).
    :param variants: the active shape variants.
    :param counts_as_strings: render ingest/viewer seconds as strings (the L4 typing).
    """
    stopped = session.stopped_time(now)
    started = format_timestamp(session.started)
    ingest = render_number(session.ingest_seconds, variants.numbers)
    viewer = render_number(session.viewer_seconds, variants.numbers)
    view: dict[str, Any] = {
        "id": session.id,
        "livestream_id": session.livestream_id,
        "created_at": started,
        "updated_at": started if stopped is None else format_timestamp(stopped),
        "started_time": started,
        "stopped_time": None,
        "err_message": None if stopped is None else session.err_message,
        "ingest_seconds": str(ingest) if counts_as_strings else ingest,
        "viewer_seconds": str(viewer) if counts_as_strings else viewer,
        "invoked_time": None if session.invoked_time is None else format_timestamp(session.invoked_time),
    }
    if stopped is not None:
        view["stopped_time"] = format_timestamp(stopped)
    elif variants.stopped_time_when_live == "missing":
        del view["stopped_time"]
    elif variants.stopped_time_when_live == "empty":
        view["stopped_time"] = ""
    return view


def livestream_view(livestream: Livestream, now: float, variants: ShapeVariants) -> dict[str, Any]:
    """Render a livestream (``stream_key`` included: it is a secret in the real API too).

    :param livestream: the livestream.
    :param now: emulator time (decides its status).
    :param variants: the active shape variants (``disabled`` as a boolean or a string).
    """
    disabled: bool | str = livestream.disabled
    if variants.disabled == "string":
        disabled = "true" if livestream.disabled else "false"
    return {
        "id": livestream.id,
        "name": livestream.name,
        "status": livestream.status(now),
        "meeting_id": livestream.meeting_id,
        "ingest_server": INGEST_SERVER,
        "stream_key": livestream.stream_key,
        "playback_url": PLAYBACK_URL.format(livestream_id=livestream.id),
        "disabled": disabled,
        "created_at": format_timestamp(livestream.created),
        "updated_at": format_timestamp(livestream.updated(now)),
    }
