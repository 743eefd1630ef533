"""Putting raw answers into words: where a list keeps its items and paging, which envelope an error uses,
what the rate-limit headers say, and in which order items come. Pure functions of decoded JSON: the words
they return go into the report, so they name forms, never values.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

import pendulum

from scripts.live_contract.shapes import keys_of, shape_of, string_format
from scripts.live_contract.transport import RawResponse

#: ``"default";r=50;t=30``; the IETF draft's form, as Cloudflare documents it.
_RATELIMIT = re.compile(r'^"?(?P<name>[\w-]+)"?;r=(?P<r>\d+);t=(?P<t>\d+)$')
_POLICY = re.compile(r'^"?(?P<name>[\w-]+)"?;q=(?P<q>\d+);w=(?P<w>\d+)$')


def paging_of(body: Any) -> Mapping[str, Any] | None:
    """
    The ``paging`` object at the top level or inside ``data``, or None.

    :param body: the decoded body.
    """
    if not isinstance(body, Mapping):
        return None
    for holder in (body, body.get("data")):
        if isinstance(holder, Mapping) and isinstance(holder.get("paging"), Mapping):
            return holder["paging"]
    return None


def list_form(body: Mapping[str, Any], item_keys: tuple[str, ...]) -> dict[str, Any]:
    """
    Where a list answer keeps its items and its paging, as words: ``items_at`` (``"data (array)"``,
    ``"data.livestreams (array)"``, ``"data (one object)"``...), ``paging_at`` (``top``, ``data``, ``none``).

    :param body: the decoded body.
    :param item_keys: the keys under ``data`` that may hold the items.
    """
    data = body.get("data")
    paging_at = "top" if isinstance(body.get("paging"), Mapping) else "none"
    if paging_at == "none" and isinstance(data, Mapping) and isinstance(data.get("paging"), Mapping):
        paging_at = "data"
    items_at = "data (array)" if isinstance(data, list) else "data (not a list)"
    if isinstance(data, Mapping):
        items_at = "data (one object)" if "id" in data else "data (object without items)"
        for key in item_keys:
            value = data.get(key)
            if isinstance(value, list):
                items_at = f"data.{key} (array)"
                break
            if isinstance(value, Mapping):
                items_at = f"data.{key} (one object)"
                break
            if key in data and value is None:
                items_at = f"data.{key} (null)"
                break
    paging = paging_of(body)
    return {
        "top_level_keys": keys_of(body),
        "data_keys": keys_of(data),
        "items_at": items_at,
        "paging_at": paging_at,
        "paging_shape": shape_of(paging) if paging is not None else None,
    }


def item_ids(body: Any, *, keep_idless: bool = False) -> list[Any]:
    """
    The ids of the items of a list answer, in order, wherever they sit.

    :param body: the decoded body.
    :param keep_idless: count items without an id too (as None).
    """
    data = body.get("data") if isinstance(body, Mapping) else None
    items: list[Any] = data if isinstance(data, list) else []
    if isinstance(data, Mapping):
        nested = next((data[key] for key in ("livestreams", "data", "livestream") if key in data), None)
        items = nested if isinstance(nested, list) else [nested] if isinstance(nested, Mapping) else []
        if not items and "id" in data:
            items = [data]
    ids = [item.get("id") for item in items if isinstance(item, Mapping)]
    return ids if keep_idless else [item_id for item_id in ids if item_id is not None]


def error_form(answer: RawResponse, ids: Mapping[str, str]) -> dict[str, Any]:
    """
    Which envelope an error answer uses, its content type, body shape and message wording, with the ids it
    may repeat replaced by their names (``{id}``, ``{account_id}``...) and cut to 160 characters.

    :param answer: the raw answer.
    :param ids: the ids to replace, by name.
    """
    body = answer.body
    envelope = "not JSON"
    message: Any = None
    if isinstance(body, Mapping):
        envelope = "other JSON object"
        error, errors = body.get("error"), body.get("errors")
        if isinstance(error, Mapping):
            envelope, message = "realtimekit error", error.get("message")
        elif isinstance(errors, list) and errors:
            envelope = "cloudflare errors"
            message = errors[0].get("message") if isinstance(errors[0], Mapping) else None
        elif "data" in body and not body.get("data"):
            envelope = f"success with data {json.dumps(body.get('data'))}"
    elif body is not None:
        envelope = f"JSON {type(body).__name__}"
    if message is not None:
        message = str(message)
        for name, value in ids.items():
            message = message.replace(value, f"{{{name}}}")
        message = message[:160]
    return {"envelope": envelope, "content_type": answer.content_type, "body_shape": shape_of(body), "message": message}


def ratelimit_form(answers: Mapping[str, RawResponse]) -> dict[str, Any]:
    """
    The rate-limit headers of some answers: which carry them, their pattern (numbers as ``<int>``), and the
    policies (name, quota ``q``, window ``w``), which are Cloudflare's published limits, not account data.

    :param answers: the raw answers, by the name of what was asked.
    """
    present = [a for a in answers.values() if "ratelimit" in a.headers]
    limit = present[-1].headers.get("ratelimit", "") if present else ""
    policy = present[-1].headers.get("ratelimit-policy", "") if present else ""
    policies = [m.groupdict() for part in policy.split(",") if (m := _POLICY.match(part.strip()))]
    names = {name for a in answers.values() for name in a.headers if "ratelimit" in name or name == "retry-after"}
    return {
        "ratelimit": re.sub(r"\d+", "<int>", limit),
        "ratelimit_policy": re.sub(r"\d+", "<int>", policy),
        "parsed": bool(_RATELIMIT.match(limit)) and bool(policies),
        "policies": [{"name": p["name"], "q": int(p["q"]), "w": int(p["w"])} for p in policies],
        "present_on": len(present),
        "missing_on": sorted(name for name, a in answers.items() if "ratelimit" not in a.headers),
        "header_names": sorted(names),
    }


def order_of(timestamps: list[Any]) -> str:
    """
    ``"newest first"``, ``"oldest first"``, ``"unordered"``, or ``"unknown"`` (fewer than two distinct times).

    :param timestamps: the items' timestamps, in the order the API listed them.
    """
    times = [t for t in (epoch_seconds(value) for value in timestamps) if t is not None]
    if len(set(times)) < 2:
        return "unknown"
    if all(a >= b for a, b in itertools.pairwise(times)):
        return "newest first"
    if all(a <= b for a, b in itertools.pairwise(times)):
        return "oldest first"
    return "unordered"


def updated_at_follows_stop(livestream: Mapping[str, Any], sessions: list[Any]) -> bool | None:
    """
    Whether a livestream's ``updated_at`` is at or after the latest ``stopped_time`` of its sessions; None
    when there is nothing to compare.

    :param livestream: the livestream.
    :param sessions: its sessions.
    """
    updated = epoch_seconds(livestream.get("updated_at"))
    stops = [epoch_seconds(s.get("stopped_time")) for s in sessions if isinstance(s, Mapping)]
    known_stops = [stop for stop in stops if stop is not None]
    if updated is None or not known_stops:
        return None
    return updated >= max(known_stops) - 1.0  # one second of slack for timestamps rounded differently


def epoch_seconds(value: Any) -> float | None:
    """
    An ISO-8601 timestamp as epoch seconds, or None.

    :param value: the field's value.
    """
    if not isinstance(value, str) or string_format(value) not in ("iso-datetime-ms-z", "iso-datetime"):
        return None
    try:
        return pendulum.parse(value.strip()).timestamp()  # type: ignore[union-attr]
    except (ValueError, TypeError, AttributeError):
        return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return None
