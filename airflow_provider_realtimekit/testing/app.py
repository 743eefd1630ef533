"""The ASGI application: the request pipeline, the route handlers and their response shapes.

Each request goes through, in order:

1. routing: an unknown path answers 404 with Cloudflare code 7000; methods other than GET answer 405
   (code 7001);
2. authentication: a missing or wrong bearer token answers 401 (code 10000 "Authentication error"; code 1000
   "Invalid API Token" on token verify); an inactive token or one without the Realtime permission answers
   401/403 on RealtimeKit routes; the verify endpoint of the other token owner answers 401 code 1000;
3. the rate limiter (only requests that passed 2 are counted; see :mod:`.ratelimit`);
4. injected faults (see :mod:`.faults`);
5. the account and app ids: unknown ones answer Cloudflare's 404 code 7003;
6. the handler.

Gateway answers (1-3, 5) use the Cloudflare envelope; handlers use RealtimeKit's ``{success, data}`` and
``{success, error}``. Every response after step 3 carries the rate-limit headers.
"""

from __future__ import annotations

import asyncio
import asyncio.tasks
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from airflow_provider_realtimekit.testing.auth import TokenCheck, TokenPolicy
from airflow_provider_realtimekit.testing.clock import format_timestamp
from airflow_provider_realtimekit.testing.delivery import (
    Send,
    drop_connection,
    send_reply,
    send_reply_slowly,
)
from airflow_provider_realtimekit.testing.envelopes import (
    Reply,
    cloudflare_error,
    cloudflare_success,
    realtimekit_error,
    realtimekit_paged,
    realtimekit_success,
)
from airflow_provider_realtimekit.testing.faults import Fault, FaultBook, FaultKind
from airflow_provider_realtimekit.testing.paging import Page, PageRequest
from airflow_provider_realtimekit.testing.query import (
    InvalidQuery,
    query_analytics_time,
    query_bool,
    query_choice,
    query_iso_time,
)
from airflow_provider_realtimekit.testing.ratelimit import RateLimiter
from airflow_provider_realtimekit.testing.requestlog import DROPPED_STATUS, RequestLog, RequestRecord
from airflow_provider_realtimekit.testing.routes import UNKNOWN_ROUTE, Route, match_route
from airflow_provider_realtimekit.testing.state import AppIdentity, LivestreamSession, LivestreamStore
from airflow_provider_realtimekit.testing.variants import ShapeVariants
from airflow_provider_realtimekit.testing.views import livestream_view, render_number, session_view

LIVESTREAM_STATUSES = ("LIVE", "IDLE", "ERRORED", "INVOKED", "OFFLINE")
DAY_SECONDS = 86400


@dataclass
class IncomingRequest:
    """What the pipeline knows about a request.

    :param method: HTTP method.
    :param path: URL path.
    :param query: query parameters.
    :param route: the matched route, or None.
    :param params: path parameters.
    :param token: the result of the bearer-token check.
    :param arrived: emulator time of arrival.
    """

    method: str
    path: str
    query: dict[str, str]
    route: Route | None
    params: dict[str, str]
    token: TokenCheck
    arrived: float


@dataclass
class Admission:
    """A request admitted past the gateway, with the fault to apply and the headers to add.

    :param fault: the injected fault, or None.
    :param headers: rate-limit headers.
    """

    fault: Fault | None
    headers: list[tuple[bytes, bytes]]


class EmulatorApp:
    """The emulator's ASGI application.

    :param store: livestreams and sessions.
    :param identity: the served account and app.
    :param variants: the active shape variants (read on every request).
    :param tokens: the accepted token and its properties.
    :param limiter: the rate limiter.
    :param faults: the injected faults.
    :param log: the request log.
    """

    def __init__(
        self,
        *,
        store: LivestreamStore,
        identity: AppIdentity,
        variants: ShapeVariants,
        tokens: TokenPolicy,
        limiter: RateLimiter,
        faults: FaultBook,
        log: RequestLog,
    ) -> None:
        self.store = store
        self.identity = identity
        self.variants = variants
        self.tokens = tokens
        self.limiter = limiter
        self.faults = faults
        self.log = log
        self._handlers: dict[str, Callable[[IncomingRequest], Reply]] = {
            "livestream_session": self._livestream_session,
            "active_livestream_session": self._active_livestream_session,
            "livestream": self._livestream,
            "livestreams": self._livestreams,
            "analytics_overall": self._analytics_overall,
            "analytics_daywise": self._analytics_daywise,
            "apps": self._apps,
            "token_verify": self._token_verify,
        }

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Any], send: Send) -> None:
        if scope["type"] == "lifespan":
            await _run_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = self._read_request(scope)
        await self._respond(request, send)

    def _read_request(self, scope: dict[str, Any]) -> IncomingRequest:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
                break
        path: str = scope["path"]
        matched = match_route(path)
        route, params = matched if matched is not None else (None, {})
        return IncomingRequest(
            method=scope["method"],
            path=path,
            query=dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)),
            route=route,
            params=params,
            token=self.tokens.check(authorization),
            arrived=self.store.clock.now(),
        )

    async def _respond(self, request: IncomingRequest, send: Send) -> None:
        """Run the pipeline and deliver the answer, logging it just before delivery.

        Logging first means a client that has its response can already see the request in the log.
        """
        admitted = self._admit(request)
        if isinstance(admitted, Reply):
            self._record(request, admitted.status)
            await send_reply(send, admitted)
            return
        fault = admitted.fault
        if fault is not None and fault.kind is FaultKind.DROP:
            self._record(request, DROPPED_STATUS)
            await drop_connection(send)
            return
        try:
            reply = await self._reply_under(fault, request)
            reply.headers.extend(admitted.headers)
            self._record(request, reply.status)
            if fault is not None and fault.kind is FaultKind.SLOW_DRIP:
                await send_reply_slowly(send, reply, fault.seconds)
            else:
                await send_reply(send, reply)
        except asyncio.CancelledError:
            # The server is stopping while a delayed or dripping answer is in flight: cut the connection
            # rather than let the server answer 500 and log a traceback.
            await drop_connection(send)

    async def _reply_under(self, fault: Fault | None, request: IncomingRequest) -> Reply:
        """Return the reply for an admitted request, as altered by its fault (drop aside)."""
        if fault is None:
            return self._handle(request)
        if not fault.runs_handler():
            return fault.standalone_reply()
        if fault.kind is FaultKind.DELAY:
            await asyncio.tasks.sleep(fault.seconds)
        reply = self._handle(request)
        if fault.kind is FaultKind.TRUNCATED_JSON:
            reply.status, reply.body = 200, reply.body[: max(1, len(reply.body) // 2)]
        return reply

    def _record(self, request: IncomingRequest, status: int) -> None:
        self.log.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                query=request.query,
                auth_ok=request.token is TokenCheck.VALID,
                status=status,
                time=request.arrived,
                route=request.route.name if request.route else UNKNOWN_ROUTE,
            )
        )

    def _admit(self, request: IncomingRequest) -> Reply | Admission:
        """Steps 1-4 of the pipeline: routing, authentication, rate limit, faults."""
        route = request.route
        if route is None:
            return cloudflare_error(404, 7000, "No route for that URI")
        if request.method != "GET":
            return cloudflare_error(405, 7001, "Method not allowed for this route")
        refusal = self._authenticate(request, route)
        if refusal is not None:
            return refusal
        decision = self.limiter.consume(self.tokens.token_id, request.arrived)
        headers = decision.headers() if decision is not None else []
        if decision is not None and not decision.allowed:
            reply = cloudflare_error(429, 971, "Please wait and consider throttling your request speed")
            reply.headers.extend(headers)
            return reply
        return Admission(self.faults.pick(route.name), headers)

    def _authenticate(self, request: IncomingRequest, route: Route) -> Reply | None:
        if route.name == "token_verify":
            owner: Literal["account", "user"] = "account" if "account_id" in request.params else "user"
            if request.token is not TokenCheck.VALID or not self.tokens.verifies_at(owner):
                request.token = TokenCheck.MISSING_OR_WRONG
                return cloudflare_error(401, 1000, "Invalid API Token")
            return None
        if request.token is not TokenCheck.VALID or self.tokens.status != "active":
            request.token = TokenCheck.MISSING_OR_WRONG
            return cloudflare_error(401, 10000, "Authentication error")
        if not self.tokens.realtime_permission:
            request.token = TokenCheck.MISSING_OR_WRONG
            return cloudflare_error(403, 10000, "Authentication error")
        return None

    def _handle(self, request: IncomingRequest) -> Reply:
        """Steps 5-6: the id check, then the route handler (400 for invalid query parameters)."""
        assert request.route is not None
        params = request.params
        wrong_account = params.get("account_id", self.identity.account_id) != self.identity.account_id
        wrong_app = params.get("app_id", self.identity.app_id) != self.identity.app_id
        if wrong_account or wrong_app:
            message = f"Could not route to {request.path}, perhaps your object identifier is invalid?"
            return cloudflare_error(404, 7003, message)
        try:
            return self._handlers[request.route.name](request)
        except InvalidQuery as invalid:
            return realtimekit_error(400, str(invalid))

    def _not_found(self, message: str) -> Reply:
        shape = self.variants.not_found
        if shape == "null_data":
            return Reply.json(200, realtimekit_success(None))
        if shape == "empty_data":
            return Reply.json(200, realtimekit_success({}))
        return realtimekit_error(404, message)

    # Handlers. Each takes the store lock for the whole read, so the view is consistent.

    def _livestream_session(self, request: IncomingRequest) -> Reply:
        session_id = request.params["session_id"]
        with self.store.lock:
            session = self.store.sessions.get(session_id)
            if session is None:
                return self._not_found(f"No livestream session found for id {session_id}")
            now = self.store.clock.now()
            session.record_poll(now)
            data = session_view(session, now, self.variants)
        return Reply.json(200, realtimekit_success(data))

    def _active_livestream_session(self, request: IncomingRequest) -> Reply:
        livestream_id = request.params["livestream_id"]
        with self.store.lock:
            livestream = self.store.livestreams.get(livestream_id)
            if livestream is None:
                return self._not_found(f"No livestream found for id {livestream_id}")
            now = self.store.clock.now()
            live = livestream.live_sessions(now)
            if not live:
                return self._not_found(f"No active livestream session found for livestream id {livestream_id}")
            data = {
                "livestream": livestream_view(livestream, now),
                "session": session_view(live[0], now, self.variants, counts_as_strings=True),
            }
        return Reply.json(200, realtimekit_success(data))

    def _livestream(self, request: IncomingRequest) -> Reply:
        livestream_id = request.params["livestream_id"]
        wanted = PageRequest.from_query(request.query, self.variants)
        single = self.variants.list_shape == "object"
        if single:
            wanted = PageRequest(index=wanted.index, per_page=1)
        with self.store.lock:
            livestream = self.store.livestreams.get(livestream_id)
            if livestream is None:
                return self._not_found(f"No livestream found for id {livestream_id}")
            now = self.store.clock.now()
            page = Page.of(livestream.sorted_sessions(), wanted)
            sessions = [session_view(s, now, self.variants) for s in page.items]
            data: dict[str, Any] = {"livestream": livestream_view(livestream, now)}
            if single:
                data["session"] = sessions[0] if sessions else None
            else:
                data["sessions"] = sessions
        return Reply.json(200, realtimekit_paged(data, page.paging(), self.variants))

    def _livestreams(self, request: IncomingRequest) -> Reply:
        query = request.query
        wanted = PageRequest.from_query(query, self.variants)
        status = query_choice(query, "status", LIVESTREAM_STATUSES)
        start = query_iso_time(query, "start_time")
        end = query_iso_time(query, "end_time")
        exclude_meetings = query_bool(query, "exclude_meetings", False)
        descending = (query_choice(query, "sort_order", ("ASC", "DSC")) or "DSC") == "DSC"
        with self.store.lock:
            now = self.store.clock.now()
            chosen = [
                livestream
                for livestream in self.store.livestreams.values()
                if (start is None or livestream.created >= start)
                and (end is None or livestream.created < end)
                and not (exclude_meetings and livestream.meeting_id)
                and (status is None or livestream.status(now) == status)
            ]
            chosen.sort(key=lambda livestream: livestream.created, reverse=descending)
            page = Page.of(chosen, wanted)
            items = [livestream_view(livestream, now) for livestream in page.items]
        data: list[Any] | dict[str, Any] = items
        if self.variants.list_shape == "object":
            data = {"livestreams": items}
        return Reply.json(200, realtimekit_paged(data, page.paging(), self.variants))

    def _sessions_started_within(self, request: IncomingRequest) -> list[LivestreamSession]:
        accepted = self.variants.analytics_time_format
        start = query_analytics_time(request.query, "start_time", accepted)
        end = query_analytics_time(request.query, "end_time", accepted)
        low = float("-inf") if start is None else start
        high = float("inf") if end is None else end
        return [s for s in self.store.sessions.values() if low <= s.started < high]

    def _totals(self, sessions: list[LivestreamSession]) -> dict[str, Any]:
        numbers = self.variants.numbers
        return {
            "count": render_number(len(sessions), numbers),
            "total_ingest_seconds": render_number(sum(s.ingest_seconds for s in sessions), numbers),
            "total_viewer_seconds": render_number(sum(s.viewer_seconds for s in sessions), numbers),
        }

    def _analytics_overall(self, request: IncomingRequest) -> Reply:
        with self.store.lock:
            data = self._totals(self._sessions_started_within(request))
        return Reply.json(200, realtimekit_success(data))

    def _analytics_daywise(self, request: IncomingRequest) -> Reply:
        with self.store.lock:
            by_day: dict[int, list[LivestreamSession]] = {}
            for session in self._sessions_started_within(request):
                by_day.setdefault(int(session.started // DAY_SECONDS), []).append(session)
            days = [
                {"date": format_timestamp(day * DAY_SECONDS), **self._totals(by_day[day])} for day in sorted(by_day)
            ]
        return Reply.json(200, realtimekit_success(days))

    def _apps(self, request: IncomingRequest) -> Reply:
        wanted = PageRequest.from_query(request.query, self.variants)
        identity = self.identity
        app = {"id": identity.app_id, "created_at": format_timestamp(identity.created), "name": identity.name}
        page = Page.of([app], wanted)
        data: list[Any] | dict[str, Any] = page.items
        if self.variants.list_shape == "object":
            data = {"apps": page.items}
        return Reply.json(200, realtimekit_paged(data, page.paging(), self.variants))

    def _token_verify(self, request: IncomingRequest) -> Reply:
        result: dict[str, Any] = {"id": self.tokens.token_id, "status": self.tokens.status}
        messages: list[dict[str, Any]] = []
        if self.tokens.status == "active":
            messages.append({"code": 10000, "message": "This API Token is valid and active"})
        if self.tokens.status == "expired":
            result["expires_on"] = format_timestamp(request.arrived - DAY_SECONDS)
        return cloudflare_success(result, messages)


async def _run_lifespan(receive: Callable[[], Any], send: Send) -> None:
    """Acknowledge lifespan events, for servers that send them; the app has nothing to set up."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
