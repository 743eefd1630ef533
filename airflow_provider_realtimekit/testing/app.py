"""The ASGI application: the request pipeline from arrival to delivery.

Each request goes through, in order:

1-4. the Cloudflare gateway (:mod:`.gateway`): routing, authentication, the rate limiter, injected faults;
5. the account and app ids: unknown ones answer Cloudflare's 404 code 7003;
6. the route handler (:mod:`.handlers`); a query parameter outside the definition's types answers 422
   (shape per ``ShapeVariants.validation_error``), one RealtimeKit itself refuses answers its 400.

Gateway answers (1-3, 5) use the Cloudflare envelope; handlers use RealtimeKit's ``{success, data}`` and
``{success, error}``. Every response after step 3 carries the rate-limit headers. Every request is logged
(:mod:`.requestlog`) just before its answer is delivered. Paths under ``/_emulator`` bypass all of this:
they are the control API (:mod:`.control`).
"""

from __future__ import annotations

import asyncio
import asyncio.tasks
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from airflow_provider_realtimekit.testing.auth import TokenCheck, TokenPolicy
from airflow_provider_realtimekit.testing.control import ControlApi, is_control_path
from airflow_provider_realtimekit.testing.delivery import Send, drop_connection, send_reply, send_reply_slowly
from airflow_provider_realtimekit.testing.envelopes import (
    Reply,
    cloudflare_error,
    realtimekit_error,
    validation_error,
)
from airflow_provider_realtimekit.testing.faults import Fault, FaultBook, FaultKind
from airflow_provider_realtimekit.testing.gateway import Gateway
from airflow_provider_realtimekit.testing.handlers import HANDLERS, HandlerContext
from airflow_provider_realtimekit.testing.query import InvalidQuery
from airflow_provider_realtimekit.testing.ratelimit import RateLimiter
from airflow_provider_realtimekit.testing.request import IncomingRequest, read_body, read_request
from airflow_provider_realtimekit.testing.requestlog import DROPPED_STATUS, RequestLog, RequestRecord
from airflow_provider_realtimekit.testing.routes import UNKNOWN_ROUTE
from airflow_provider_realtimekit.testing.state import AppIdentity, LivestreamStore
from airflow_provider_realtimekit.testing.variants import ShapeVariants


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
        self.gateway = Gateway(tokens, limiter, faults)
        self.context = HandlerContext(store, identity, variants, tokens)
        self.control = ControlApi(store, variants, log)

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Any], send: Send) -> None:
        if scope["type"] == "lifespan":
            await _run_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if is_control_path(scope["path"]):
            await self._control(scope, receive, send)
            return
        request = read_request(scope, self.tokens, self.store.clock.now())
        await self._respond(request, send)

    async def _control(self, scope: dict[str, Any], receive: Callable[[], Any], send: Send) -> None:
        """Serve the control API (:mod:`.control`): no token, no rate limit, no fault, no log entry."""
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        body = await read_body(receive)
        await send_reply(send, self.control.handle(scope["method"], scope["path"], query, body))

    async def _respond(self, request: IncomingRequest, send: Send) -> None:
        """Run the pipeline and deliver the answer, logging it just before delivery.

        Logging first means a client that has its response can already see the request in the log.
        """
        admitted = self.gateway.admit(request)
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

    def _handle(self, request: IncomingRequest) -> Reply:
        """Steps 5-6: the id check, then the route handler (422 or 400 for invalid query parameters)."""
        assert request.route is not None
        params = request.params
        wrong_account = params.get("account_id", self.identity.account_id) != self.identity.account_id
        wrong_app = params.get("app_id", self.identity.app_id) != self.identity.app_id
        if wrong_account or wrong_app:
            message = f"Could not route to {request.path}, perhaps your object identifier is invalid?"
            return cloudflare_error(404, 7003, message)
        try:
            return HANDLERS[request.route.name](self.context, request)
        except InvalidQuery as invalid:
            if invalid.status == 422:
                shape = self.variants.validation_error
                return validation_error(shape, invalid.parameter, invalid.rule, str(invalid))
            return realtimekit_error(invalid.status, str(invalid))


async def _run_lifespan(receive: Callable[[], Any], send: Send) -> None:
    """Acknowledge lifespan events, for servers that send them; the app has nothing to set up."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
