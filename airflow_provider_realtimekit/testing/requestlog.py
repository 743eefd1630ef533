"""The request log: what clients asked and what they got, without any credential."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

DROPPED_STATUS = 0
"""``RequestRecord.status`` of a request whose connection was dropped without a response."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One handled request. Headers are not recorded, so no ``Authorization`` value can leak.

    :param method: HTTP method.
    :param path: URL path without the query string.
    :param query: query parameters (the last value wins for repeated names).
    :param auth_ok: whether the request passed authentication (right token, active, with the permission).
    :param status: HTTP status sent; 0 when the connection was dropped.
    :param time: emulator time (Unix seconds) when the request arrived.
    :param route: the route name (``"livestream_session"``, ...) or ``"unknown"``.
    """

    method: str
    path: str
    query: dict[str, str]
    auth_ok: bool
    status: int
    time: float
    route: str


class RequestLog:
    """A bounded, thread-safe list of :class:`RequestRecord`, oldest first.

    :param max_records: the oldest records are discarded beyond this many.
    """

    def __init__(self, max_records: int = 100_000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=max_records)
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Add a record.

        :param record: the record.
        """
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """Return a copy of the records."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget all records."""
        with self._lock:
            self._records.clear()
