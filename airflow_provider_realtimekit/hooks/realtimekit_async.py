"""RealtimeKitAsyncHook: the same calls as :class:`RealtimeKitHook`, for the triggerer's event loop.

It shares the protocol (requests, parsing, retry policy) with the sync hook and differs only in the
transport: an ``httpx.AsyncClient`` for the hook's whole life, taken by ``async with`` from the loop's
pool (:mod:`.async_client_pool`: one client per base URL and token per event loop, built off the loop)
and given back on every exit. The connection is fetched with ``aget_connection``: the sync path inside the event loop is
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
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.hooks.async_client_pool import acquire_client, release_client
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

    @classmethod
    def for_settings(cls, settings: ClientSettings) -> RealtimeKitAsyncHook:
        """
        A hook for a connection already read and checked (the shared poller reads it once for many waits);
        ``async with`` then fetches no connection.

        :param settings: the checked connection.
        """
        hook = cls(settings.conn_id)
        hook._settings = settings
        return hook

    async def __aenter__(self) -> RealtimeKitAsyncHook:
        if self._settings is None:
            conn = await aget_connection(self, self.realtimekit_conn_id)
            self._settings = ClientSettings.from_connection(conn, self._overrides)
        self._client = await acquire_client(self._settings, USER_AGENT)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None and self._settings is not None:
            self._client = None
            await release_client(self._settings)

    @property
    def settings(self) -> ClientSettings:
        if self._settings is None:
            raise RealtimeKitConfigError("RealtimeKitAsyncHook must be used as 'async with RealtimeKitAsyncHook(...)'.")
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
            raise RealtimeKitConfigError("RealtimeKitAsyncHook must be used as 'async with RealtimeKitAsyncHook(...)'.")
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
                client.request(
                    request.method,
                    request.path,
                    params=dict(request.params),
                    # per request: the pooled client is shared by connections with other timeouts
                    timeout=httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout),
                ),
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
