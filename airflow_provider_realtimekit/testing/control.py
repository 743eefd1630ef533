"""The control API: drive a running emulator over HTTP, for the CLI and for tests in other languages.

It lives under the reserved prefix ``/_emulator`` (Cloudflare's routes are all under ``/client/v4``, so the
two never collide). Control requests need no token, are not rate limited, meet no injected fault and are
not written to the request log. Bodies and answers are plain JSON (no RealtimeKit envelope); an error
answers ``{"error": "<what is wrong>"}`` with 400 (bad body), 404 (unknown path or id), 405 (wrong method)
or 409 (the session has already stopped).

====================================================  ===========================================================
request                                               effect and answer
====================================================  ===========================================================
``POST /_emulator/livestreams``                       add a livestream; body ``{name?, status?, meeting_id?,
                                                      disabled?, id?}``; 201 ``{"livestream": {...}}``
``POST /_emulator/livestreams/{id}/sessions``         add a session; body ``{stops_after?, stops_after_polls?,
                                                      started?, stopped?, err_message?, ingest_seconds?,
                                                      viewer_seconds?, id?}``; 201 ``{"session": {...}}``
``POST /_emulator/sessions/{id}/end``                 end a live session; body ``{at?}`` (ISO or Unix seconds);
                                                      200 ``{"session": {...}}``
``POST /_emulator/fleet``                             add a live fleet; body ``{n, stop_spread?, seed?}``
                                                      (``stop_spread`` null: live until ended); 201
                                                      ``{"sessions": [...]}``
``POST /_emulator/advance``                           move the emulator clock; body ``{seconds}``; 200
                                                      ``{"now": "<ISO time>"}``
``GET /_emulator/requests``                           the request log and its counts: ``{"requests": [...],
                                                      "counts": {...}}``; ``?route=<name>`` keeps one route
``GET /_emulator/requests/counts``                    ``{"total", "by_route", "by_status"}``
``DELETE /_emulator/requests``                        empty the request log; 200 ``{"cleared": <n>}``
====================================================  ===========================================================

Sessions and livestreams are shown as the API would show them now (the seed endpoint's form); requests as
the fields of :class:`~.requestlog.RequestRecord`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from airflow_provider_realtimekit.testing.clock import format_timestamp, to_unix_seconds
from airflow_provider_realtimekit.testing.envelopes import Reply
from airflow_provider_realtimekit.testing.fleet import add_live_fleet
from airflow_provider_realtimekit.testing.model import Polls
from airflow_provider_realtimekit.testing.requestlog import RequestLog
from airflow_provider_realtimekit.testing.state import LivestreamStore
from airflow_provider_realtimekit.testing.variants import ShapeVariants
from airflow_provider_realtimekit.testing.views import livestream_view, session_view

CONTROL_PREFIX = "/_emulator"
_SESSION_FIELDS = (
    "stops_after",
    "stops_after_polls",
    "started",
    "stopped",
    "err_message",
    "ingest_seconds",
    "viewer_seconds",
    "id",
)


class ControlError(Exception):
    """A control request that cannot be served; the message is shown in ``{"error": ...}``.

    :param status: the HTTP status to answer.
    :param message: what is wrong.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def is_control_path(path: str) -> bool:
    """Tell whether a path is under the reserved control prefix.

    :param path: the URL path.
    """
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


@dataclass
class ControlApi:
    """Serves the control routes of one emulator.

    :param store: livestreams and sessions.
    :param variants: the active shape variants (for the views it answers with).
    :param log: the request log.
    """

    store: LivestreamStore
    variants: ShapeVariants
    log: RequestLog

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        """Answer one control request.

        :param method: HTTP method.
        :param path: URL path (under ``/_emulator``).
        :param query: query parameters.
        :param body: the raw request body.
        """
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("POST", r"/livestreams", self._add_livestream),
            ("POST", r"/livestreams/(?P<livestream_id>[^/]+)/sessions", self._add_session),
            ("POST", r"/sessions/(?P<session_id>[^/]+)/end", self._end_session),
            ("POST", r"/fleet", self._add_fleet),
            ("POST", r"/advance", self._advance),
            ("GET", r"/requests", self._requests),
            ("DELETE", r"/requests", self._clear_requests),
            ("GET", r"/requests/counts", self._counts),
        ]
        local = path[len(CONTROL_PREFIX) :]
        allowed = [verb for verb, pattern, _ in routes if re.fullmatch(pattern, local)]
        try:
            for verb, pattern, handler in routes:
                found = re.fullmatch(pattern, local)
                if found is not None and verb == method:
                    fields = _json_object(body) if method == "POST" else {}
                    status, answer = handler(fields, query, **found.groupdict())
                    return Reply.json(status, answer)
            if allowed:
                raise ControlError(405, f"{method} is not allowed on {path}; use {', '.join(allowed)}")
            raise ControlError(404, f"no control route {path}; see the control API in docs/emulator.md")
        except ControlError as refused:
            return Reply.json(refused.status, {"error": str(refused)})

    def _add_livestream(self, fields: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        _only(fields, "name", "status", "meeting_id", "disabled", "id")
        with self.store.lock:
            try:
                livestream = self.store.add_livestream(
                    name=_typed(fields, "name", str),
                    status=_typed(fields, "status", str),
                    meeting_id=_typed(fields, "meeting_id", str),
                    disabled=bool(_typed(fields, "disabled", bool)),
                    id=_typed(fields, "id", str),
                )
            except ValueError as invalid:
                raise ControlError(409, str(invalid)) from None
            return 201, {"livestream": livestream_view(livestream, self.store.clock.now(), self.variants)}

    def _add_session(self, fields: dict[str, Any], query: dict[str, str], livestream_id: str) -> tuple[int, Any]:
        _only(fields, *_SESSION_FIELDS)
        polls = _typed(fields, "stops_after_polls", int)
        stops_after = _typed(fields, "stops_after", (int, float))
        if polls is not None and stops_after is not None:
            raise ControlError(400, "give stops_after or stops_after_polls, not both")
        with self.store.lock:
            if livestream_id not in self.store.livestreams:
                raise ControlError(404, f"no livestream {livestream_id!r}")
            try:
                session = self.store.add_session(
                    livestream_id,
                    started=_instant(fields, "started"),
                    stops_after=Polls(polls) if polls is not None else stops_after,
                    stopped=_instant(fields, "stopped"),
                    err_message=_typed(fields, "err_message", str),
                    ingest_seconds=_typed(fields, "ingest_seconds", (int, float)) or 60,
                    viewer_seconds=_typed(fields, "viewer_seconds", (int, float)) or 116.5,
                    id=_typed(fields, "id", str),
                )
            except ValueError as invalid:
                raise ControlError(400, str(invalid)) from None
            return 201, {"session": session_view(session, self.store.clock.now(), self.variants)}

    def _end_session(self, fields: dict[str, Any], query: dict[str, str], session_id: str) -> tuple[int, Any]:
        _only(fields, "at")
        at = _instant(fields, "at")
        with self.store.lock:
            try:
                session = self.store.end_session(session_id, at)
            except KeyError:
                raise ControlError(404, f"no livestream session {session_id!r}") from None
            except ValueError as invalid:
                raise ControlError(409, str(invalid)) from None
            return 200, {"session": session_view(session, self.store.clock.now(), self.variants)}

    def _add_fleet(self, fields: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        _only(fields, "n", "stop_spread", "seed")
        n = _typed(fields, "n", int)
        if n is None:
            raise ControlError(400, 'the body needs "n", the number of live sessions')
        spread = _typed(fields, "stop_spread", (int, float)) if "stop_spread" in fields else 300.0
        with self.store.lock:
            try:
                members = add_live_fleet(self.store, n, stop_spread=spread, seed=_typed(fields, "seed", int) or 0)
            except ValueError as invalid:
                raise ControlError(400, str(invalid)) from None
            now = self.store.clock.now()
            return 201, {"sessions": [session_view(m.session, now, self.variants) for m in members]}

    def _advance(self, fields: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        _only(fields, "seconds")
        seconds = _typed(fields, "seconds", (int, float))
        if seconds is None or seconds < 0:
            raise ControlError(400, 'the body needs "seconds", a number >= 0 (the clock only moves forward)')
        self.store.clock.advance(float(seconds))
        return 200, {"now": format_timestamp(self.store.clock.now())}

    def _requests(self, fields: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        route = query.get("route")
        records = [asdict(r) for r in self.log.snapshot() if route is None or r.route == route]
        return 200, {"requests": records, "counts": self.log.counts().as_json()}

    def _counts(self, fields: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        return 200, self.log.counts().as_json()

    def _clear_requests(self, fields: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        cleared = self.log.counts().total
        self.log.clear()
        return 200, {"cleared": cleared}


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise ControlError(400, "the body is not JSON; send a JSON object") from None
    if not isinstance(parsed, dict):
        raise ControlError(400, "the body must be a JSON object")
    return parsed


def _only(fields: dict[str, Any], *known: str) -> None:
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}")


def _typed(fields: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = fields.get(name)
    if value is None:
        return None
    # bool is an int subclass: refuse true/false where a number is wanted, and numbers where a flag is.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ControlError(400, f"{name} has the wrong type: {value!r}")
    return value


def _instant(fields: dict[str, Any], name: str) -> float | None:
    value = _typed(fields, name, (str, int, float))
    if value is None:
        return None
    try:
        return to_unix_seconds(value)
    except ValueError:
        raise ControlError(400, f"{name} must be an ISO-8601 time or Unix seconds, got {value!r}") from None
