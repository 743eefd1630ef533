"""Response bodies: RealtimeKit's ``{success, data}`` / ``{success, error}`` and Cloudflare's envelope.

RealtimeKit routes answer ``{"success": true, "data": ...}`` (plus ``paging`` where paged) and
``{"success": false, "error": {"code": <http status>, "message": ...}}``; the Cloudflare gateway in front of
them (auth, routing, rate limits) and token verification use ``{"success", "errors", "messages", "result"}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from airflow_provider_realtimekit.testing.variants import ShapeVariants

JSON_CONTENT_TYPE = b"application/json"
PROBLEM_CONTENT_TYPE = b"application/problem+json"
_ENCODER = json.JSONEncoder(separators=(",", ":"))


@dataclass
class Reply:
    """An HTTP answer before delivery.

    :param status: HTTP status.
    :param body: raw body bytes.
    :param content_type: the Content-Type header value.
    :param headers: extra headers.
    """

    status: int
    body: bytes
    content_type: bytes = JSON_CONTENT_TYPE
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Any) -> Reply:
        """Build a JSON reply.

        :param status: HTTP status.
        :param payload: a JSON-serialisable object.
        """
        return cls(status, _ENCODER.encode(payload).encode())


def realtimekit_success(data: Any) -> dict[str, Any]:
    """Return ``{"success": true, "data": data}``.

    :param data: the payload.
    """
    return {"success": True, "data": data}


def realtimekit_paged(data: Any, paging: dict[str, Any], variants: ShapeVariants) -> dict[str, Any]:
    """Return a success body with ``paging`` where ``variants.paging_location`` puts it.

    :param data: the payload (a list or an object).
    :param paging: the paging object.
    :param variants: the active shape variants.
    """
    location = variants.paging_location
    if location == "none":
        return realtimekit_success(data)
    if location == "top":
        return {"success": True, "data": data, "paging": paging}
    if isinstance(data, list):
        return realtimekit_success({"data": data, "paging": paging})
    return realtimekit_success({**data, "paging": paging})


def realtimekit_error(status: int, message: str) -> Reply:
    """Return a RealtimeKit error reply; ``error.code`` equals the HTTP status.

    :param status: HTTP status.
    :param message: error text.
    """
    return Reply.json(status, {"success": False, "error": {"code": status, "message": message}})


def cloudflare_error(status: int, code: int, message: str) -> Reply:
    """Return a Cloudflare-envelope error reply.

    :param status: HTTP status.
    :param code: Cloudflare error code (10000 auth, 7003 routing, 971 throttled, ...).
    :param message: error text.
    """
    body = {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
    return Reply.json(status, body)


def validation_error(shape: str, parameter: str, rule: str, message: str) -> Reply:
    """Return the 422 for a query parameter outside the definition's types, in the shape asked for.

    :param shape: ``"cloudflare"`` (the Cloudflare envelope) or ``"problem"`` (``application/problem+json``
        as a mock server generated from the definition answers).
    :param parameter: the offending query parameter.
    :param rule: the violated rule (``"enum"``, ``"integer"``...).
    :param message: what is wrong.
    """
    if shape == "cloudflare":
        return cloudflare_error(422, 422, f"Invalid query parameter {parameter}: {message}")
    problem = {
        "type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY",
        "title": "Invalid request",
        "status": 422,
        "detail": "Your request is not valid and no HTTP validation response was found in the spec.",
        "validation": [
            {"location": ["query", parameter], "severity": "Error", "code": rule, "message": message},
        ],
    }
    return Reply(422, _ENCODER.encode(problem).encode(), PROBLEM_CONTENT_TYPE)


def cloudflare_success(result: Any, messages: list[dict[str, Any]]) -> Reply:
    """Return a Cloudflare-envelope success reply.

    :param result: the ``result`` object.
    :param messages: the ``messages`` list.
    """
    return Reply.json(200, {"success": True, "errors": [], "messages": messages, "result": result})


def reason_phrase(status: int) -> str:
    """Return the standard reason phrase of an HTTP status (``"Error"`` when unknown).

    :param status: HTTP status.
    """
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
