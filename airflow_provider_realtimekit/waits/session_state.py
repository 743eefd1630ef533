"""What a livestream session payload says about the stream: live, stopped, or ended in error."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from airflow_provider_realtimekit.api.timestamps import optional_api_time
from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError


class SessionState(str, Enum):
    """The state of a livestream session, as far as a waiting task is concerned."""

    LIVE = "live"
    STOPPED = "stopped"
    ERRORED = "errored"

    def is_terminal(self) -> bool:
        return self is not SessionState.LIVE


def session_state(session: Mapping[str, Any]) -> SessionState:
    """
    Classify a session payload.

    ``stopped_time``: null while live [C]; missing, ``""``, blank and the string ``'null'`` also mean live
    (Go maps null to "", and the API has shown ``'null'`` in a neighbouring field [U]). Any other value
    must be an ISO 8601 timestamp (see :mod:`~airflow_provider_realtimekit.api.timestamps`): one that is not
    raises :class:`RealtimeKitInvalidResponseError` naming the field and the value, rather than ending a
    wait on a value that only looks set.

    ``err_message`` is an error when it is a string with content: anything but null, missing, ``""``,
    whitespace, or the string ``'null'``/``'None'``. A value of another JSON type (number, boolean,
    object) is not the string the API defines and raises :class:`RealtimeKitInvalidResponseError`. An
    error ends the wait even without a ``stopped_time``, since an errored stream may never get one.

    :param session: the ``data`` of the livestream session endpoint.
    :raises RealtimeKitInvalidResponseError: ``stopped_time`` is not a timestamp, or ``err_message`` not a
        string.
    """
    where = f"livestream session {session.get('id')!r}"
    stopped = optional_api_time("stopped_time", session.get("stopped_time"), where=where)
    if _has_error(session.get("err_message"), where):
        return SessionState.ERRORED
    if stopped is not None:
        return SessionState.STOPPED
    return SessionState.LIVE


def _has_error(value: object, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, str):
        raise RealtimeKitInvalidResponseError(
            f"RealtimeKit sent err_message={value!r} of {where}, which is not a string (null or text expected).",
            undecodable=False,
        )
    return value.strip().lower() not in ("", "null", "none")
