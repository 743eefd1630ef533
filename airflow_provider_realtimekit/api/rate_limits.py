"""What a token may spend: the ``Ratelimit`` / ``Ratelimit-Policy`` headers, the configured budget, and the
words a 429 is explained in.

Cloudflare (changelog of 2025-09-03) sends, on every REST answer, the IETF ratelimit-headers draft's
structured-field forms: ``Ratelimit: "default";r=<remaining>;t=<seconds to reset>`` and
``Ratelimit-Policy: "default";q=<quota>;w=<window seconds>``. Several policies may be listed, comma
separated. Older drafts and an older Cloudflare page use other spellings, read here too:

- ``RateLimit: limit=100, remaining=50, reset=30`` (draft 03-06, one dictionary);
- ``RateLimit-Remaining: 50`` / ``RateLimit-Reset: 30`` / ``RateLimit-Limit: 100`` and the ``X-RateLimit-*``
  forms (separate headers);
- ``RateLimit-Policy: 100;w=60`` (a bare quota with its window).

The unit of ``t`` is unstated; it is read as seconds (the draft's delta-seconds). When several policies are
listed the most constraining wins: the remaining count with the slowest safe pace (fewest requests per
second left), the policy with the lowest quota per second. Absent or unreadable headers give None, never
an exception: a proxy's odd header must not fail a request that succeeded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Cloudflare's documented limit: 1,200 requests per 5 minutes per token, shared by all its users.
DEFAULT_QUOTA = 1200
DEFAULT_WINDOW = 300.0
#: The share of the quota left for the token's other users (dashboards, scripts, other DAGs).
DEFAULT_RESERVE = 0.10
#: How long a 429 without ``retry-after`` closes the token: Cloudflare blocks an exceeded token 5 minutes.
DEFAULT_LOCKOUT = 300.0

# One list member: an optional name (quoted string, token or bare integer) then ';key=value' parameters.
_PARAM = re.compile(r"\s*([A-Za-z][A-Za-z0-9_.*-]*)\s*=\s*(\"[^\"]*\"|[^;,\s]*)\s*")


@dataclass(frozen=True)
class RemainingBudget:
    """
    What the server says is left: ``remaining`` requests until the window resets in ``reset`` seconds.

    :param remaining: requests left in the current window.
    :param reset: seconds until the window resets.
    """

    remaining: int
    reset: float


@dataclass(frozen=True)
class QuotaPolicy:
    """
    The server's policy: ``quota`` requests per ``window`` seconds.

    :param quota: requests per window.
    :param window: the window in seconds.
    """

    quota: int
    window: float

    @property
    def rate(self) -> float:
        """Requests per second on average."""
        return self.quota / self.window


@dataclass(frozen=True)
class BudgetLimits:
    """
    The budget to keep to when the server says nothing, and the share left for the token's other users.

    Connection extras ``rate_limit_quota``, ``rate_limit_window`` and ``rate_limit_reserve`` (checked in
    :mod:`~airflow_provider_realtimekit.api.settings`).

    :param quota: requests per window (Cloudflare: 1,200).
    :param window: the window in seconds (Cloudflare: 300).
    :param reserve: the fraction of the quota never spent, left for the token's other users.
    """

    quota: int = DEFAULT_QUOTA
    window: float = DEFAULT_WINDOW
    reserve: float = DEFAULT_RESERVE

    def reserved(self, quota: int | None = None) -> int:
        """
        Requests of a window kept back: ``reserve`` of ``quota`` (default: this budget's), rounded up, but
        never the whole quota (a server stating a tiny quota must not stop every request for good).

        :param quota: the quota to reserve from, e.g. the server's policy.
        """
        quota = self.quota if quota is None else quota
        return max(min(math.ceil(quota * self.reserve), quota - 1), 0)


def parse_remaining(headers: Mapping[str, str]) -> RemainingBudget | None:
    """
    The most constraining remaining budget the answer's headers state, or None.

    :param headers: the response headers (names matched case-insensitively).
    """
    lookup = _lookup(headers)
    items = [item for value in _values(lookup, "ratelimit") for item in _structured_remaining(value)]
    if not items:
        remaining = _number(lookup("ratelimit-remaining") or lookup("x-ratelimit-remaining"))
        reset = _number(lookup("ratelimit-reset") or lookup("x-ratelimit-reset"))
        if remaining is not None and reset is not None:
            items = [RemainingBudget(int(remaining), reset)]
    if not items:
        return None
    # Slowest safe pace first; at equal pace the smaller count (a spent window reads as 0 per second).
    return min(items, key=lambda item: (item.remaining / max(item.reset, 1.0), item.remaining))


def parse_policy(headers: Mapping[str, str]) -> QuotaPolicy | None:
    """
    The most constraining policy the answer's headers state (lowest quota per second), or None.

    :param headers: the response headers (names matched case-insensitively).
    """
    lookup = _lookup(headers)
    items = [item for value in _values(lookup, "ratelimit-policy") for item in _structured_policies(value)]
    if not items:
        for value in _values(lookup, "ratelimit"):  # draft 03-06: 'limit=100, remaining=50, reset=30'
            params = _dictionary(value)
            quota, window = _number(params.get("limit")), _number(params.get("w") or params.get("window"))
            if quota is not None and quota >= 1 and window:
                items.append(QuotaPolicy(int(quota), window))
    if not items:
        return None
    return min(items, key=lambda item: item.rate)


def rate_limit_message(where: str, policy: QuotaPolicy | None, retry_after: float | None) -> str:
    """
    What a 429 means and what to do, in plain words, with the quota the server stated when it did.

    :param where: the request and the server's message.
    :param policy: the answer's ``Ratelimit-Policy``, if any.
    :param retry_after: the answer's ``retry-after`` in seconds, if any.
    """
    if policy is not None:
        limit = (
            f"its limit of {policy.quota:,} requests per {_duration(policy.window)} (from the Ratelimit-Policy header)"
        )
    else:
        limit = f"Cloudflare's limit of {DEFAULT_QUOTA:,} requests per {_duration(DEFAULT_WINDOW)}"
    if retry_after is not None:
        wait = f"for {_duration(retry_after)} (retry-after)"
    else:
        wait = f"for {_duration(DEFAULT_LOCKOUT)} (no retry-after given: Cloudflare's lockout)"
    return (
        f"Cloudflare rate-limited {where}. The API token went over {limit}; Cloudflare now refuses every request "
        f"of this token, from every DAG and tool that uses it, {wait}. What to do: let the block pass, then "
        "make fewer requests with this token (a longer poke_interval, fewer sensors waiting at once, big usage "
        "pulls at a quieter hour), or give this work an API token of its own. The connection extras "
        "rate_limit_quota and rate_limit_reserve set how much of the limit this provider may use."
    )


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def _structured_remaining(value: str) -> list[RemainingBudget]:
    items: list[RemainingBudget] = []
    for member in _members(value):
        params = _params(member)
        remaining, reset = _number(params.get("r")), _number(params.get("t"))
        if remaining is not None and reset is not None:
            items.append(RemainingBudget(int(remaining), reset))
    if items:
        return items
    params = _dictionary(value)  # draft 03-06: one dictionary for the whole header
    remaining, reset = _number(params.get("remaining")), _number(params.get("reset"))
    return [RemainingBudget(int(remaining), reset)] if remaining is not None and reset is not None else []


def _structured_policies(value: str) -> list[QuotaPolicy]:
    items: list[QuotaPolicy] = []
    for member in _members(value):
        params = _params(member)
        head = member.split(";", 1)[0].strip()
        quota = _number(params.get("q")) if "q" in params else _number(head)  # '100;w=60' names no q
        window = _number(params.get("w"))
        if quota is not None and quota >= 1 and window:
            items.append(QuotaPolicy(int(quota), window))
    return items


def _members(value: str) -> list[str]:
    # Commas inside quoted names would split a member; names with commas are not expected, but skip them safely.
    return [member for member in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", value) if member.strip()]


def _params(member: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in member.split(";")[1:]:
        match = _PARAM.fullmatch(part)
        if match:
            params[match.group(1).lower()] = match.group(2).strip('"')
    return params


def _dictionary(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in value.split(","):
        match = _PARAM.fullmatch(part.split(";", 1)[0])
        if match:
            params[match.group(1).lower()] = match.group(2).strip('"')
    return params


def _number(value: str | None) -> float | None:
    """A finite number >= 0, or None (negative, NaN, inf and words are all 'not stated')."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _lookup(headers: Mapping[str, str]) -> Callable[[str], str | None]:
    lowered: dict[str, str] = {}
    for key, value in headers.items():
        if isinstance(key, str) and isinstance(value, str):
            name = key.lower()
            lowered[name] = f"{lowered[name]}, {value}" if name in lowered else value
    return lowered.get


def _values(lookup: Callable[[str], str | None], name: str) -> list[str]:
    value = lookup(name)
    return [value] if value else []
