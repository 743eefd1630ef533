"""Short, printable excerpts of what a server said, with secrets redacted, for exception messages.

An error body that fits neither envelope (a proxy's HTML page, an ``application/problem+json`` answer
with ``title``, ``detail`` and ``validation``) is still the best clue a user gets, so it is quoted, but
never whole and never with a credential in it. Redacted: anything that looks like a bearer token or an
``Authorization`` value, the value of any JSON key that names a secret (``stream_key``, ``token``,
``password``...), and the key part of ``rtmp://``, ``rtmps://`` and ``srt://`` ingest URLs (a stream key
travels in their path or their ``streamid``/``passphrase`` query). The transports also replace the
connection's own token in every body before it gets here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

EXCERPT_LENGTH = 200
REDACTED = "***"

_CREDENTIAL_LIKE = re.compile(r"(?i)(bearer|token|authorization)([\"':=\s]+)(?:(?:bearer|basic)\s+)?[^\s\"',;<>]+")
# An ingest URL keeps its scheme and host (useful to see) and loses its path and query (where keys live).
_INGEST_URL = re.compile(r"(?i)\b((?:rtmps?|srt)://[^/\s\"'?<>]+)[^\s\"'<>,;]*")
_SECRET_JSON_VALUE = re.compile(
    r"(?i)(\"[a-z_]*(?:stream_?key|secret|password|passphrase|token|api_?key)[a-z_]*\"\s*:\s*)\"[^\"]*\""
)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")
_PROBLEM_LISTS = ("validation", "errors", "invalid_params", "invalid-params")
_SECRET_KEY_WORDS = ("streamkey", "stream_key", "secret", "password", "passphrase", "token", "apikey", "api_key")


def excerpt(raw: bytes | str, length: int = EXCERPT_LENGTH) -> str:
    """
    A short, printable excerpt of a body, with anything that looks like a credential redacted.

    :param raw: the body, or any text from the server.
    :param length: the longest excerpt, in characters, before ``...``.
    """
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = _UNPRINTABLE.sub(" ", text).strip()
    text = redact(text)
    return text[:length] + ("..." if len(text) > length else "")


def redact(text: str) -> str:
    """
    ``text`` with credentials, secret JSON values and ingest URL paths replaced by ``***``.

    :param text: any text from the server.
    """
    text = _SECRET_JSON_VALUE.sub(rf'\1"{REDACTED}"', text)
    text = _INGEST_URL.sub(rf"\1/{REDACTED}", text)
    return _CREDENTIAL_LIKE.sub(rf"\1\2{REDACTED}", text)


def json_excerpt(value: Any, length: int = EXCERPT_LENGTH) -> str:
    """
    A compact excerpt of a decoded JSON value, secret keys' values redacted before it is printed.

    :param value: the decoded body.
    :param length: the longest excerpt, in characters, before ``...``.
    """
    return excerpt(json.dumps(_without_secrets(value), separators=(", ", ": "), ensure_ascii=False), length)


def server_said(body: Mapping[str, Any], length: int = EXCERPT_LENGTH) -> str:
    """
    What an error body in neither envelope says, in short: for an RFC 9457 problem (``title``, ``detail``,
    and a ``validation``, ``errors`` or ``invalid_params`` list), those texts; else a JSON excerpt.

    :param body: the decoded body.
    :param length: the longest excerpt, in characters, before ``...``.
    """
    parts = [str(body[key]) for key in ("title", "detail") if isinstance(body.get(key), (str, int, float))]
    for key in _PROBLEM_LISTS:
        items = body.get(key)
        if isinstance(items, list):
            parts.extend(_problem_item(item) for item in items[:5])
    if not parts:
        return json_excerpt(body, length)
    return excerpt("; ".join(part for part in parts if part), length)


def _problem_item(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = next((_path(item[key]) for key in ("path", "location", "name", "field", "pointer") if key in item), "")
    what = next((str(item[key]) for key in ("message", "reason", "detail") if key in item), "")
    return f"{where}: {what}" if where and what else where or what or json_excerpt(item, 80)


def _path(value: Any) -> str:
    # Prism and others give the location as a list: ["query", "status"].
    return ".".join(str(part) for part in value) if isinstance(value, list) else str(value)


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: REDACTED if _names_secret(key) else _without_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _names_secret(key: object) -> bool:
    folded = str(key).lower().replace("-", "_")
    return any(word in folded for word in _SECRET_KEY_WORDS)
