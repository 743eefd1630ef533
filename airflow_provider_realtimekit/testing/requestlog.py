"""The request log: what clients asked and what they got, without any credential."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class RequestCounts:
    """How many requests the log holds, in total and by route name and by HTTP status.

    :param total: all logged requests.
    :param by_route: route name (``"livestream_session"``, ..., ``"unknown"``) to count.
    :param by_status: HTTP status sent (0 for a dropped connection) to count.
    """

    total: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return the counts as JSON values (status keys become strings)."""
        by_status = {str(status): count for status, count in sorted(self.by_status.items())}
        return {"total": self.total, "by_route": dict(sorted(self.by_route.items())), "by_status": by_status}


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

    def counts(self) -> RequestCounts:
        """Count the records by route and by status."""
        with self._lock:
            records = list(self._records)
        by_route = Counter(record.route for record in records)
        by_status = Counter(record.status for record in records)
        return RequestCounts(len(records), dict(by_route), dict(by_status))

    def clear(self) -> None:
        """Forget all records."""
        with self._lock:
            self._records.clear()
