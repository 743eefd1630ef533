"""Reading the API's timestamps strictly: what is not a timestamp is an invalid response, never a guess.

Every timestamp in RealtimeKit's answers is ISO 8601 in UTC with milliseconds and a ``Z``
(``2023-07-15T07:08:40.742Z``; ``started_time`` shows ``.000``). Accepted here: that form with 0 to 9
fraction digits, and with ``Z``, a ``+HH:MM``/``+HHMM`` offset, or no offset (read as UTC, as the API
documents its times). Refused: anything else, a date alone included, so that a value such as
``"stopped_time"`` or ``"not-a-date"`` cannot pass for a stop.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError

_ISO_8601 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
#: What the API sends for "no time" (null while a stream is live; Go clients map null to ""; the string
#: 'null' has been seen in a neighbouring field [U]).
_UNSET_STRINGS = frozenset({"", "null", "none"})


def parse_api_time(field: str, value: object, *, where: str = "") -> datetime:
    """
    A timestamp from the API as a timezone-aware UTC datetime.

    :param field: the field's name, for the message (``stopped_time``).
    :param value: the value the API sent.
    :param where: what the field belongs to, for the message (``livestream session 'abc'``).
    :raises RealtimeKitInvalidResponseError: naming the field and the value, when it is not an ISO 8601
        timestamp of the forms above.
    """
    match = _ISO_8601.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is not None:
        fraction = (match["fraction"] or "").ljust(6, "0")[:6]
        offset = match["offset"] or "Z"
        offset = "+00:00" if offset == "Z" else f"{offset[:3]}:{offset[-2:]}"
        try:
            parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}{offset}")
        except ValueError:  # well formed, but no such date or time (month 13, hour 25)
            parsed = None
        if parsed is not None:
            return parsed.astimezone(timezone.utc)
    owner = f" of {where}" if where else ""
    raise RealtimeKitInvalidResponseError(
        f"RealtimeKit sent {field}={value!r}{owner}, which is not a timestamp (expected ISO 8601 such as "
        "2026-11-20T07:08:40.742Z). The provider will not guess what it means; please report it if it persists.",
        undecodable=False,
    )


def optional_api_time(field: str, value: object, *, where: str = "") -> datetime | None:
    """
    Like :func:`parse_api_time`, but None for a time the API has not set: null, missing, ``""``, blank,
    or the string ``'null'``/``'None'``.

    :param field: the field's name, for the message.
    :param value: the value the API sent.
    :param where: what the field belongs to, for the message.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in _UNSET_STRINGS):
        return None
    return parse_api_time(field, value, where=where)
