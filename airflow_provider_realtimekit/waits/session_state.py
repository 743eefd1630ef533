"""What a livestream session payload says about the stream: live, stopped, or ended in error."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any


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

    ``stopped_time`` is null while live [C], but may also be missing or ``""`` (Go maps null to "") and
    the API has shown the string ``'null'`` in a neighbouring field [U]: all of these mean live. An
    ``err_message`` ends the wait even without a ``stopped_time``, since an errored stream may never
    get one.

    :param session: the ``data`` of the livestream session endpoint.
    """
    if _is_set(session.get("err_message")):
        return SessionState.ERRORED
    if _is_set(session.get("stopped_time")):
        return SessionState.STOPPED
    return SessionState.LIVE


def _is_set(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in ("", "null", "none")
    return True
