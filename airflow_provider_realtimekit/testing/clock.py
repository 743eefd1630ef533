"""The emulator clock and the timestamp format the RealtimeKit API uses.

The clock is the wall clock plus an offset that tests move forward with
:meth:`EmulatorClock.advance`, so lifecycles and rate-limit windows can be exercised without sleeping.
Timestamps are rendered the way the API shows them: ISO-8601 UTC with milliseconds and a ``Z`` suffix
(``2023-07-15T07:08:39.000Z``).
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timezone


class EmulatorClock:
    """Wall-clock time plus an offset that only moves forward.

    :param offset: seconds added to the wall clock from the start.
    """

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the emulator time as Unix seconds."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        :param seconds: how far to move; must not be negative (lifecycles assume time never goes back).
        """
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        """Go back to wall-clock time (only for an emptied emulator, see ``RealtimeKitEmulator.reset``)."""
        with self._lock:
            self._offset = 0.0

    @property
    def offset(self) -> float:
        """Seconds the emulator clock is ahead of the wall clock."""
        return self._offset


def format_timestamp(unix_seconds: float) -> str:
    """Render Unix seconds as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, milliseconds, truncated).

    :param unix_seconds: the instant to render.
    """
    millis = math.floor(unix_seconds * 1000)
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def parse_timestamp(value: str) -> float:
    """Parse an ISO-8601 date or date-time into Unix seconds; a value without offset is UTC.

    :param value: for example ``2023-07-15T07:08:39.000Z``, ``2023-07-15T07:08:39+00:00`` or ``2023-07-15``.
    :raises ValueError: when the value is not ISO-8601.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return to_unix_seconds(parsed)


def to_unix_seconds(value: datetime | str | float) -> float:
    """Normalise a datetime (naive means UTC), an ISO string or Unix seconds to Unix seconds.

    :param value: the instant in any of the accepted forms.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    if isinstance(value, str):
        return parse_timestamp(value)
    return float(value)
