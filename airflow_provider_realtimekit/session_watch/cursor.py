"""The watcher's cursor: which ended sessions have been reported.

Sessions are reported in the order they stopped. The cursor holds the newest ``stopped_time`` reported
(epoch seconds) and the ids of the sessions that stopped at exactly that instant, so two sessions
stopping in the same millisecond are both reported, once. A session is new when it stopped after the
cursor, or at the cursor's instant with an id not yet in it. This is what survives a restart: it is a
few bytes whatever the size of the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cursor:
    """
    What has been reported: everything that stopped before ``stopped_time``, and ``ids`` at it.

    :param stopped_time: epoch seconds of the newest reported stop (or of the watcher's start/``since``).
    :param ids: ids of the sessions reported that stopped exactly at ``stopped_time``.
    """

    stopped_time: float
    ids: frozenset[str] = field(default_factory=frozenset)

    def is_new(self, stopped_time: float, session_id: str) -> bool:
        """
        Tell whether a session that stopped at ``stopped_time`` has not been reported yet.

        :param stopped_time: epoch seconds.
        :param session_id: the livestream session id.
        """
        if stopped_time != self.stopped_time:
            return stopped_time > self.stopped_time
        return session_id not in self.ids

    def after(self, stopped_time: float, session_id: str) -> Cursor:
        """
        The cursor once this session has been reported (sessions are reported oldest stop first).

        :param stopped_time: epoch seconds.
        :param session_id: the livestream session id.
        """
        if stopped_time > self.stopped_time:
            return Cursor(stopped_time, frozenset({session_id}))
        if stopped_time == self.stopped_time:
            return Cursor(stopped_time, self.ids | {session_id})
        return self

    def to_json(self) -> dict[str, Any]:
        """The cursor as a JSON value (for the Asset State Store)."""
        return {"stopped_time": self.stopped_time, "ids": sorted(self.ids)}

    @classmethod
    def from_json(cls, value: object) -> Cursor | None:
        """
        Read a stored cursor; None when the value is not one (a foreign or corrupt value is ignored, not fatal).

        :param value: what :meth:`to_json` produced.
        """
        if not isinstance(value, Mapping):
            return None
        stopped_time = value.get("stopped_time")
        ids = value.get("ids", [])
        if not isinstance(stopped_time, (int, float)) or isinstance(stopped_time, bool):
            return None
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            return None
        return cls(float(stopped_time), frozenset(ids))
