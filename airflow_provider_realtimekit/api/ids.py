"""Validation of the ids that go into URL paths.

An id is pasted into a path, so anything that could change which resource is addressed (``/``, ``..``,
``?``, ``#``, ``%``) or the request itself (control characters) is refused before a request is built.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError

#: Cloudflare documents account and app ids of at most 32 characters and session ids are UUIDs; 128
#: leaves room for formats we have not seen without accepting pathological input.
MAX_ID_LENGTH = 128

_FORBIDDEN = re.compile(r"[/?#%\\\s\x00-\x1f\x7f-\x9f]")  # \x80-\x9f: the C1 control characters


def validate_id(field: str, value: object) -> str:
    """
    Return ``value`` percent-encoded for a URL path, or raise a message naming ``field``.

    :param field: the name the user knows the value by, e.g. ``session_id``.
    :param value: the value to check.
    """
    if not isinstance(value, str):
        raise RealtimeKitConfigError(f"{field} must be a string, got {type(value).__name__}.")
    if not value.strip():
        raise RealtimeKitConfigError(
            f"{field} is empty. Pass the RealtimeKit id (if it comes from a template, check that the "
            "template renders to a non-empty value)."
        )
    if len(value) > MAX_ID_LENGTH:
        raise RealtimeKitConfigError(
            f"{field} is {len(value)} characters long; RealtimeKit ids are at most {MAX_ID_LENGTH}."
        )
    bad = _FORBIDDEN.search(value)
    if bad is not None or ".." in value or value == ".":
        # A lone '.' is a dot segment too: HTTP clients collapse '/sessions/.' into '/sessions/'.
        shown = repr(bad.group()) if bad is not None else ("'..'" if ".." in value else "'.'")
        raise RealtimeKitConfigError(
            f"{field} {value!r} contains {shown}, which is not allowed in a RealtimeKit id "
            "(ids may not be '.' or contain '/', '?', '#', '%', '\\', '..', whitespace or control characters)."
        )
    return quote(value, safe="-_.~")
