"""RealtimeKitAsyncHook: the same calls as :class:`RealtimeKitHook`, for the triggerer's event loop.

It shares the protocol (requests, parsing, retry policy) with the sync hook and differs only in the
transport: one ``httpx.AsyncClient`` for the hook's whole life, opened by ``async with`` and closed on
every exit. The connection is fetched with ``aget_connection``: the sync path inside the event loop is
the source of known Airflow 3 ``RuntimeError``s.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from airflow_provider_realtimekit._compat import aget_connection
from airflow_provider_realtimekit.api import (
    ApiRequest,
    ApiResponse,
    ClientSettings,
    run_async,
    unwrap,
)
from airflow_provider_realtimekit.exceptions import RealtimeKitError
from airflow_provider_realtimekit.hooks.realtimekit import USER_AGENT, RealtimeKitHookBase
from airflow_provider_realtimekit.waits.token_gates import token_gate


class RealtimeKitAsyncHook(RealtimeKitHookBase):
    """
    Async client for the RealtimeKit API, used as ``async with RealtimeKitAsyncHook(conn_id) as hook``.

    :param realtimekit_conn_id: the ``realtimekit`` connection to use.
    :param timeout: seconds to wait, one number for both or a ``(connect, read)`` pair.
    :param max_attempts: attempts per request, the first included.
    :param retry_after_cap: the longest ``Retry-After`` honoured, in seconds.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settings: ClientSettings | None = None
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> RealtimeKitAsyncHook:
        conn = await aget_connection(self, self.realtimekit_conn_id)
        self._settings = ClientSettings.from_connection(conn, self._overrides)
        self._client = httpx.AsyncClient(
            base_url=self._settings.base_url,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **self._settings.authorization},
            timeout=httpx.Timeout(self._settings.read_timeout, connect=self._settings.connect_timeout),
            follow_redirects=False,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def settings(self) -> ClientSettings:
        if self._settings is None:
            raise RealtimeKitError("RealtimeKitAsyncHook must be used as 'async with RealtimeKitAsyncHook(...)'.")
        return self._settings

    async def get_livestream_session(self, session_id: str) -> dict[str, Any]:
        """
        One livestream session (see :meth:`RealtimeKitHook.get_livestream_session`).

        :param session_id: the livestream session id.
        """
        return unwrap(await self.call(self.settings.app.livestream_session(session_id)))

    async def call(self, request: ApiRequest) -> dict[str, Any]:
        """
        Send one request with the retry policy; return the decoded body.

        :param request: a request built by :class:`~airflow_provider_realtimekit.api.RealtimeKitApp`.
        """
        return await run_async(request, self.settings.retry, self._send)

    async def _send(self, request: ApiRequest) -> ApiResponse:
        if self._client is None:
            raise RealtimeKitError("RealtimeKitAsyncHook must be used as 'async with RealtimeKitAsyncHook(...)'.")
        settings = self.settings
        gate = token_gate(settings)
        await gate.acquire_async(settings.retry.retry_after_cap, settings.describe(request))
        answer: httpx.Response | None = None
        try:
            answer = await self._exchange(self._client, request)
        finally:
            if answer is None:  # no answer: the gate only stops counting it as in flight
                gate.record_answer(None, {})
            else:
                gate.record_answer(answer.status_code, dict(answer.headers))
        return settings.received(answer.status_code, dict(answer.headers), answer.content)

    async def _exchange(self, client: httpx.AsyncClient, request: ApiRequest) -> httpx.Response:
        started = time.monotonic()
        self.requests_sent += 1
        try:
            # httpx's read timeout bounds each pause, not the whole answer: a trickled body is cut off here.
            response = await asyncio.wait_for(
                client.request(request.method, request.path, params=dict(request.params)),
                self.settings.attempt_timeout,
            )
        except (httpx.TimeoutException, asyncio.TimeoutError):
            raise self.settings.timeout_error(request) from None
        except httpx.HTTPError as error:
            # `from None`: httpx errors hold the request, whose headers hold the token.
            raise self.settings.unreachable_error(request, error) from None
        self.log.info(
            "RealtimeKit %s -> HTTP %d (%.2f s)",
            request.describe(),
            response.status_code,
            time.monotonic() - started,
        )
        return response
