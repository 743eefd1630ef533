"""RealtimeKitHook: the ``realtimekit`` connection and every synchronous call to the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any

import requests
import urllib3

from airflow_provider_realtimekit import __version__
from airflow_provider_realtimekit._compat import BaseHook
from airflow_provider_realtimekit.api import (
    ApiRequest,
    ApiResponse,
    ClientOverrides,
    ClientSettings,
    Pager,
    run_sync,
    unwrap,
    user_token_verify,
)
from airflow_provider_realtimekit.api.endpoints import TimeFormat
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitAuthError,
    RealtimeKitError,
)
from airflow_provider_realtimekit.hooks import DEFAULT_CONN_ID
from airflow_provider_realtimekit.waits.token_gates import token_gate

USER_AGENT = f"airflow-provider-realtimekit/{__version__}"


class RealtimeKitHookBase(BaseHook):
    """
    What the sync and the async hook share: the connection type, the constructor and ``repr``.

    :param realtimekit_conn_id: the ``realtimekit`` connection to use.
    :param timeout: seconds to wait, one number for both or a ``(connect, read)`` pair; default from the
        connection's ``connect_timeout`` / ``read_timeout`` extras, else 10 s and 30 s.
    :param max_attempts: attempts per request, the first included; default from the extra, else 4.
    :param retry_after_cap: the longest ``Retry-After`` honoured, in seconds; default from the extra, else 60.
    """

    conn_name_attr = "realtimekit_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "realtimekit"
    hook_name = "Cloudflare RealtimeKit"

    def __init__(
        self,
        realtimekit_conn_id: str = default_conn_name,
        *,
        timeout: float | tuple[float, float] | None = None,
        max_attempts: int | None = None,
        retry_after_cap: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.realtimekit_conn_id = realtimekit_conn_id
        self._overrides = ClientOverrides(timeout=timeout, max_attempts=max_attempts, retry_after_cap=retry_after_cap)
        #: How many HTTP requests this hook has sent (retries included); benchmarks and tests read it.
        self.requests_sent = 0
        #: True inside test_connection(), where a connection id the Test button made up is not named.
        self._testing = False

    def __repr__(self) -> str:
        # Names the connection, never its contents.
        return f"{type(self).__name__}(realtimekit_conn_id={self.realtimekit_conn_id!r})"


class RealtimeKitHook(RealtimeKitHookBase):
    """
    Calls the Cloudflare RealtimeKit REST API with the token, account and app of a connection.

    The connection is read on first use (never in ``__init__``) and once per hook. Every method returns
    the API's ``data`` unchanged, as plain JSON values. Transient failures are retried with the
    connection's retry policy; anything else raises a
    :class:`~airflow_provider_realtimekit.exceptions.RealtimeKitError`.

    :param realtimekit_conn_id: the ``realtimekit`` connection to use.
    :param timeout: seconds to wait, one number for both or a ``(connect, read)`` pair; default from the
        connection's ``connect_timeout`` / ``read_timeout`` extras, else 10 s and 30 s.
    :param max_attempts: attempts per request, the first included; default from the extra, else 4.
    :param retry_after_cap: the longest ``Retry-After`` honoured, in seconds; default from the extra, else 60.
    """

    @cached_property
    def settings(self) -> ClientSettings:
        """The checked connection, read on first use."""
        conn = self.get_connection(self.realtimekit_conn_id)
        return ClientSettings.from_connection(conn, self._overrides, testing=self._testing)

    def get_conn(self) -> requests.Session:
        """The hook's single HTTP session (keep-alive, User-Agent, Authorization)."""
        return self._session

    @cached_property
    def _session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        session.headers.update(self.settings.authorization)
        return session

    def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if "_session" in self.__dict__:
            self.__dict__.pop("_session").close()

    def __enter__(self) -> RealtimeKitHook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the API ---------------------------------------------------------------------------------------

    def get_livestream_session(self, session_id: str) -> dict[str, Any]:
        """
        One livestream session: id, livestream_id, started_time, stopped_time (null while live),
        err_message, ingest_seconds, viewer_seconds, created_at, updated_at.

        :param session_id: the livestream session id.
        """
        return unwrap(self.call(self.settings.app.livestream_session(session_id)))

    def get_livestream(self, livestream_id: str) -> dict[str, Any]:
        """
        One livestream (its first page only; use :meth:`iter_livestream_sessions` for all sessions).

        :param livestream_id: the livestream id.
        """
        return unwrap(self.call(self.settings.app.livestream(livestream_id, page_no=1)))

    def get_active_livestream_session(self, livestream_id: str) -> dict[str, Any]:
        """
        The livestream and its live session: ``{"livestream": {...}, "session": {...}}``.

        :param livestream_id: the livestream id.
        """
        return unwrap(self.call(self.settings.app.active_livestream_session(livestream_id)))

    def iter_livestream_sessions(self, livestream_id: str) -> Iterator[dict[str, Any]]:
        """
        Every session of a livestream, following pages until done.

        :param livestream_id: the livestream id.
        """
        app = self.settings.app
        app.livestream(livestream_id)  # validates the id now, not on first iteration
        return self._walk(
            Pager(lambda page_no: app.livestream(livestream_id, page_no=page_no), ("sessions", "session"))
        )

    def iter_livestreams(
        self,
        status: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        exclude_meetings: bool | None = None,
    ) -> Iterator[dict[str, Any]]:
        """
        Every livestream of the app, following pages until done.

        :param status: only livestreams in this status: LIVE, IDLE, ERRORED or INVOKED (the API's enum; any
            other value, OFFLINE included, raises ``RealtimeKitConfigError`` before any request).
        :param start_time: only livestreams created at or after this time [U: the API's exact semantics].
        :param end_time: only livestreams created before this time [U].
        :param exclude_meetings: leave out livestreams of meetings (True, False, or None to not send it).
        """
        app = self.settings.app

        def page(page_no: int) -> ApiRequest:
            return app.livestreams(
                page_no=page_no,
                status=status,
                start_time=start_time,
                end_time=end_time,
                exclude_meetings=exclude_meetings,
            )

        page(1)  # validates the filters before the first iteration
        return self._walk(Pager(page, ("livestreams", "data", "livestream")))

    def get_livestream_analytics(self, start: datetime, end: datetime) -> dict[str, Any]:
        """
        Livestream totals for ``[start, end)``: ``{"count", "total_ingest_seconds", "total_viewer_seconds"}``.

        :param start: the window start (timezone-aware).
        :param end: the window end (timezone-aware).
        """
        return self._analytics(lambda fmt: self.settings.app.livestream_analytics(start, end, fmt))

    def get_livestream_analytics_daywise(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """
        Livestream totals per day: ``[{"date", "count", "total_ingest_seconds", "total_viewer_seconds"}]``.

        :param start: the window start (timezone-aware).
        :param end: the window end (timezone-aware).
        """
        return self._analytics(lambda fmt: self.settings.app.livestream_analytics_daywise(start, end, fmt))

    def test_connection(self) -> tuple[bool, str]:
        """
        Check the token and that it can read this account's RealtimeKit app (Airflow's Test button).

        Verifies the token (account endpoint first, then the user endpoint [U which one a token needs]),
        then lists one livestream of the app, which proves the permission and both ids. Under Airflow's
        Test button the connection has a random temporary id: messages then speak of "the connection being
        tested" and name the field to fix.
        """
        self._testing = True
        try:
            status = self._verified_token_status()
            if status != "active":
                return False, f"The API token is {status}; create a new token or re-enable it."
            self.call(self.settings.app.livestreams(page_no=1, per_page=1))
        except RealtimeKitError as error:
            return False, str(error)
        return True, (
            f"Connection works: the token is active and can read RealtimeKit app {self.settings.app.app_id!r} "
            f"of account {self.settings.app.account_id!r}."
        )

    # -- plumbing ---------------------------------------------------------------------------------------

    def call(self, request: ApiRequest) -> dict[str, Any]:
        """
        Send one request with the retry policy; return the decoded body.

        :param request: a request built by :class:`~airflow_provider_realtimekit.api.RealtimeKitApp`.
        """
        return run_sync(request, self.settings.retry, self._send)

    def _send(self, request: ApiRequest) -> ApiResponse:
        settings = self.settings
        gate = token_gate(settings)
        gate.acquire(settings.retry.retry_after_cap, settings.describe(request))
        status: int | None = None
        headers: dict[str, str] = {}
        try:
            status, headers, body = self._exchange(request)
        finally:
            gate.record_answer(status, headers)
        return settings.received(status, headers, body)

    def _exchange(self, request: ApiRequest) -> tuple[int, dict[str, str], bytes]:
        settings = self.settings
        started = time.monotonic()
        self.requests_sent += 1
        try:
            response = self._session.request(
                request.method,
                request.url(settings.base_url),
                params=dict(request.params),
                timeout=(settings.connect_timeout, settings.read_timeout),
                allow_redirects=False,
                stream=True,
            )
            with response:
                body = _read_body(response, started + settings.attempt_timeout)
        except requests.Timeout as error:
            raise settings.timeout_error(request) from _without_request(error)
        except TimeoutError:  # from _read_body
            raise settings.timeout_error(request) from None
        except requests.RequestException as error:
            raise settings.unreachable_error(request, error) from _without_request(error)
        except urllib3.exceptions.HTTPError as error:  # from _read_body: the connection broke mid-body
            raise settings.unreachable_error(request, error) from None
        self.log.info(
            "RealtimeKit %s -> HTTP %d (%.2f s)",
            request.describe(),
            response.status_code,
            time.monotonic() - started,
        )
        return response.status_code, dict(response.headers), body

    def _walk(self, pager: Pager) -> Iterator[dict[str, Any]]:
        while (request := pager.next_request()) is not None:
            yield from pager.accept(self.call(request))

    def _analytics(self, build: Any) -> Any:
        try:
            return unwrap(self.call(build("unix")))
        except RealtimeKitAPIError as error:
            # Older deployments of the API expect ISO strings [U]; a 400 on Unix seconds gets one ISO try.
            if error.status != 400:
                raise
            time_format: TimeFormat = "iso"
            return unwrap(self.call(build(time_format)))

    def _verified_token_status(self) -> str:
        try:
            body = self.call(self.settings.app.account_token_verify())
        except RealtimeKitAuthError:
            body = self.call(user_token_verify())
        result = unwrap(body)
        status = result.get("status") if isinstance(result, dict) else None
        return str(status or "active")


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """
    The whole body, read piece by piece so that a server trickling it cannot hold the task past
    ``deadline`` (the read timeout alone bounds only each pause between pieces).

    :param response: a response opened with ``stream=True``.
    :param deadline: ``time.monotonic()`` value by which the last byte must have arrived.
    :raises TimeoutError: the body was still arriving at the deadline, or a pause outlasted the read timeout.
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # urllib3 < 2.3 cannot hand out partial reads: only the read timeout applies
        return response.content
    chunks: list[bytes] = []
    try:
        while chunk := read1(64 * 1024, decode_content=True):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError("the answer was still arriving at the deadline")
    except urllib3.exceptions.TimeoutError:
        raise TimeoutError("a pause in the answer outlasted the read timeout") from None
    return b"".join(chunks)


def _without_request(error: requests.RequestException) -> requests.RequestException | None:
    # requests exceptions carry the PreparedRequest, whose headers hold the token. Chaining the original
    # would put it within reach of error reporters that walk __cause__, so chain a bare copy instead.
    error.request = None
    return error
