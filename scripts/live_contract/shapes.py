"""Describing decoded JSON by its keys and types, never by its values.

``shape_of({"id": "5f0c...", "viewer_seconds": 116.1, "stopped_time": None})`` is
``{"id": "string(uuid)", "viewer_seconds": "number", "stopped_time": "null"}``. A string is described by its
format (ISO timestamp, date, uuid, number, boolean word...), which is what a client must parse, and a value
under a secret-looking key only as ``string(secret)``. Keys that are data rather than field names (ids,
dates) are shown by their format too. Arrays are described by the merged shape of their items. This is
what goes into the report: it shows how the API answers without showing what it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scripts.live_contract.redaction import is_secret_key

#: The first matching pattern names a string's format.
_STRING_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso-datetime-ms-z", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")),
    ("iso-datetime", re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")),
    ("date", re.compile(r"\d{4}-\d\d-\d\d")),
    ("uuid", re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")),
    ("hex", re.compile(r"[0-9a-fA-F]{16,}")),
    ("integer", re.compile(r"[+-]?\d+")),
    ("number", re.compile(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?")),
    ("boolean", re.compile(r"(?i)true|false")),
    ("null", re.compile(r"(?i)null|none")),
    ("url", re.compile(r"(?i)(https?|rtmps?|srt|wss?)://\S+")),
)
#: How many items of an array are looked at: enough to see a type that varies, few enough to stay quick.
_ITEMS_SAMPLED = 50


def shape_of(value: Any, *, secret: bool = False) -> Any:
    """
    The shape of a decoded JSON value: an object of shapes, a one-item list of the merged item shape, or a
    type name such as ``"integer"``, ``"null"`` or ``"string(iso-datetime-ms-z)"``.

    :param value: the decoded JSON value.
    :param secret: True when the value sits under a secret-looking key.
    """
    if isinstance(value, Mapping):
        return {key_name(key): shape_of(item, secret=secret or is_secret_key(str(key))) for key, item in value.items()}
    if isinstance(value, list):
        if not value:
            return []
        merged: Any = None
        for item in value[:_ITEMS_SAMPLED]:
            merged = merge_shapes(merged, shape_of(item, secret=secret))
        return [merged]
    if secret and value is not None:
        return f"{type_name(value)}(secret)"
    if isinstance(value, str):
        return f"string({string_format(value)})" if string_format(value) else "string"
    return type_name(value)


def type_name(value: Any) -> str:
    """
    The JSON type of a scalar: ``null``, ``boolean``, ``integer``, ``number`` or ``string``.

    :param value: the decoded value.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def string_format(value: str) -> str | None:
    """
    The format of a string (``"iso-datetime-ms-z"``, ``"uuid"``, ``"boolean"``...), ``"empty"``, or None.

    :param value: the string.
    """
    if not value.strip():
        return "empty"
    for name, pattern in _STRING_FORMATS:
        if pattern.fullmatch(value.strip()):
            return name
    return None


def merge_shapes(left: Any, right: Any) -> Any:
    """
    One shape covering both: objects merge key by key, differing types join as ``"integer|number"``.

    :param left: a shape, or None for nothing yet.
    :param right: a shape.
    """
    if left is None or left == right:
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, shape in right.items():
            merged[key] = merge_shapes(merged.get(key), shape)
        return merged
    if isinstance(left, list) and isinstance(right, list):
        if not left or not right:
            return left or right
        return [merge_shapes(left[0], right[0])]
    names = set(_alternatives(left)) | set(_alternatives(right))
    return "|".join(sorted(names))


def _alternatives(shape: Any) -> list[str]:
    if isinstance(shape, str):
        return shape.split("|")
    return ["object" if isinstance(shape, dict) else "array"]


def keys_of(value: Any) -> list[str]:
    """
    The sorted key names of an object (see :func:`key_name`), or ``[]`` for anything else.

    :param value: the decoded JSON value.
    """
    return sorted({key_name(key) for key in value}) if isinstance(value, Mapping) else []


def key_name(key: object) -> str:
    """
    A key as the report shows it: itself when it is a field name, its format when it is data (an object
    keyed by ids or dates would otherwise carry them into the report), e.g. ``"<uuid>"``.

    :param key: the key.
    """
    text = str(key)
    found = string_format(text)
    return text if found is None else f"<{found}>"
