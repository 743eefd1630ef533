"""Keeping secrets out of what the suite prints and writes.

Two nets. Secret values are collected as they are met (the token up front, every value under a key named
like a stream key or credential in any response) and replaced wherever they appear in a text. Independently,
anything shaped like ``Bearer <value>`` or ``token=<value>`` is masked. The report holds shapes, not values
(:mod:`.shapes`), so these nets are for free text: error messages and table details.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "***"
#: Keys whose values are secrets: stream keys, RTMP/SRT ingest credentials, tokens and their kin.
SECRET_KEY = re.compile(
    r"(?i)(stream_?key|rtmps?|srt|secret|token|password|passphrase|authori[sz]ation|api_?key|credential|signature)"
)
_BEARER_LIKE = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
_ASSIGNED_SECRET = re.compile(
    r"(?i)([\"']?(?:token|authorization|stream_?key|secret|password|passphrase)[\"']?\s*[:=]\s*[\"']?)"
    # a shape from the report ("string(secret)") or a mask already in place is no secret
    r"(?!(?:string|integer|number|boolean|null)\b|\*\*\*)[^\s\"',;<>]+"
)
#: Shorter values are too likely to occur by chance (a status, a word) to be replaced everywhere.
_MIN_SECRET_LENGTH = 6


def is_secret_key(key: str) -> bool:
    """
    Whether a JSON key names a secret (``stream_key``, ``rtmps``, ``srt_url``, ``token``...).

    :param key: the key.
    """
    return bool(SECRET_KEY.search(key))


class Redactor:
    """
    The secrets seen so far, and the scrubbing of texts.

    :param secrets: values known to be secret from the start (the API token).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """
        Remember a secret value.

        :param secret: the value.
        """
        if isinstance(secret, str) and len(secret.strip()) >= _MIN_SECRET_LENGTH:
            self._secrets.add(secret.strip())

    def harvest(self, value: object, *, under_secret: bool = False) -> None:
        """
        Remember every string found under a secret-looking key anywhere in a decoded JSON value.

        :param value: the decoded JSON.
        :param under_secret: True when ``value`` already sits under such a key (an ``rtmps`` object).
        """
        if isinstance(value, str):
            if under_secret:
                self.add(value)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self.harvest(item, under_secret=under_secret or is_secret_key(str(key)))
        elif isinstance(value, list):
            for item in value:
                self.harvest(item, under_secret=under_secret)

    def scrub(self, text: str) -> str:
        """
        The text with every known secret and anything credential-shaped masked.

        :param text: the text.
        """
        for secret in sorted(self._secrets, key=len, reverse=True):  # longest first: one may contain another
            text = text.replace(secret, MASK)
        text = _BEARER_LIKE.sub(rf"\1\2{MASK}", text)
        return _ASSIGNED_SECRET.sub(rf"\1{MASK}", text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
