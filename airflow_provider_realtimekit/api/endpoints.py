"""What each API call is: method, path and query, built from validated ids.

Paths are relative to the base URL (``https://api.cloudflare.com/client/v4`` by default). Nothing here
does I/O; the sync hook and the async hook send the same :class:`ApiRequest` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from airflow_provider_realtimekit.api.ids import validate_id
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError

#: How many items to ask for per page. The API documents no maximum [U]; the pager copes with a server
#: that clamps it (it stops on the paging offsets or an empty page, never on a short page).
DEFAULT_PER_PAGE = 100

#: The ``status`` filter of the livestream list, as Cloudflare's API definition and SDKs allow it. OFFLINE
#: (used in Dyte's guides and in webhooks) is not one: the API answers 422, so it is refused before sending.
LIVESTREAM_STATUSES = ("LIVE", "IDLE", "ERRORED", "INVOKED")

TimeFormat = Literal["unix", "iso"]


@dataclass(frozen=True)
class ApiRequest:
    """
    One HTTP request, described without a transport.

    :param method: the HTTP method.
    :param path: the path below the base URL, ids already validated and percent-encoded.
    :param params: the query parameters.
    :param what: a short description for messages, e.g. ``livestream session 'abc'``.
    :param expects_object: when True, a success envelope whose ``data`` is null or ``{}`` means not found.
    :param idempotent: only idempotent requests are retried.
    :param route_ids: the connection fields the path is built from, for what a 404 of the route means.
    :param names_object: True when the path ends in the id of one object the caller asked for, so that a
        RealtimeKit 404 means that object does not exist (rather than the route itself being wrong).
    """

    method: str
    path: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    what: str = ""
    expects_object: bool = True
    idempotent: bool = True
    route_ids: tuple[str, ...] = ("account_id", "app_id")
    names_object: bool = False

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path

    def describe(self) -> str:
        return f"{self.method} {self.path}"


def check_window(start: datetime, end: datetime) -> None:
    """Refuse a time window that is not two timezone-aware datetimes with the end after the start."""
    _checked("start", start)
    _checked("end", end)
    if end <= start:
        raise RealtimeKitConfigError(
            f"The window end ({end.isoformat()}) must be after its start ({start.isoformat()})."
        )


@dataclass(frozen=True)
class RealtimeKitApp:
    """
    The RealtimeKit app the calls are made for; builds every request this provider makes.

    :param account_id: the Cloudflare account id.
    :param app_id: the RealtimeKit app id.
    """

    account_id: str
    app_id: str

    def __post_init__(self) -> None:
        validate_id("account_id", self.account_id)
        validate_id("app_id", self.app_id)

    @property
    def _account_path(self) -> str:
        return f"/accounts/{validate_id('account_id', self.account_id)}"

    @property
    def _app_path(self) -> str:
        return f"{self._account_path}/realtime/kit/{validate_id('app_id', self.app_id)}"

    def livestream_session(self, session_id: str) -> ApiRequest:
        encoded = validate_id("session_id", session_id)
        return ApiRequest(
            "GET",
            f"{self._app_path}/livestreams/sessions/{encoded}",
            what=f"livestream session {session_id!r}",
            names_object=True,
        )

    def livestream(self, livestream_id: str, *, page_no: int = 1, per_page: int = DEFAULT_PER_PAGE) -> ApiRequest:
        encoded = validate_id("livestream_id", livestream_id)
        return ApiRequest(
            "GET",
            f"{self._app_path}/livestreams/{encoded}",
            params={"page_no": _page_number("page_no", page_no), "per_page": _page_number("per_page", per_page)},
            what=f"livestream {livestream_id!r}",
            names_object=True,
        )

    def active_livestream_session(self, livestream_id: str) -> ApiRequest:
        encoded = validate_id("livestream_id", livestream_id)
        return ApiRequest(
            "GET",
            f"{self._app_path}/livestreams/{encoded}/active-livestream-session",
            what=f"active session of livestream {livestream_id!r}",
            names_object=True,
        )

    def livestreams(
        self,
        *,
        page_no: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
        status: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        exclude_meetings: bool | None = None,
    ) -> ApiRequest:
        params: dict[str, str | int] = {"page_no": _page_number("page_no", page_no), "per_page": per_page}
        _page_number("per_page", per_page)
        if status is not None:
            if not isinstance(status, str) or status not in LIVESTREAM_STATUSES:
                raise RealtimeKitConfigError(
                    f"status {status!r} is not a livestream status the API accepts; use one of "
                    f"{', '.join(LIVESTREAM_STATUSES)} (upper case), or None for every status."
                )
            params["status"] = status
        if start_time is not None:
            params["start_time"] = _iso_utc(_checked("start_time", start_time))
        if end_time is not None:
            params["end_time"] = _iso_utc(_checked("end_time", end_time))
        if start_time is not None and end_time is not None and end_time <= start_time:
            raise RealtimeKitConfigError(
                f"end_time ({end_time.isoformat()}) must be after start_time ({start_time.isoformat()})."
            )
        if exclude_meetings is not None:
            if not isinstance(exclude_meetings, bool):
                # A string such as "false" would be truthy and send the opposite of what was meant.
                raise RealtimeKitConfigError(f"exclude_meetings must be True, False or None, got {exclude_meetings!r}.")
            params["exclude_meetings"] = "true" if exclude_meetings else "false"
        return ApiRequest(
            "GET", f"{self._app_path}/livestreams", params=params, what="livestreams", expects_object=False
        )

    def livestream_analytics(self, start: datetime, end: datetime, time_format: TimeFormat = "unix") -> ApiRequest:
        return self._analytics("overall", start, end, time_format)

    def livestream_analytics_daywise(
        self, start: datetime, end: datetime, time_format: TimeFormat = "unix"
    ) -> ApiRequest:
        return self._analytics("daywise", start, end, time_format)

    def _analytics(self, kind: str, start: datetime, end: datetime, time_format: TimeFormat) -> ApiRequest:
        # Cloudflare's SDKs switched start_time/end_time from ISO strings to Unix seconds in May 2026 [U
        # whether ISO is still accepted]: the hook sends Unix seconds and falls back to ISO on a 400.
        check_window(start, end)
        return ApiRequest(
            "GET",
            f"{self._app_path}/analytics/livestreams/{kind}",
            params={
                "start_time": _format_time(start, time_format),
                "end_time": _format_time(end, time_format),
            },
            what=f"livestream analytics ({kind})",
            expects_object=False,
        )

    def apps(self, *, page_no: int = 1, per_page: int = 1) -> ApiRequest:
        return ApiRequest(
            "GET",
            f"{self._account_path}/realtime/kit/apps",
            params={"page_no": page_no, "per_page": per_page},
            what="RealtimeKit apps",
            expects_object=False,
            route_ids=("account_id",),
        )

    def account_token_verify(self) -> ApiRequest:
        return ApiRequest(
            "GET",
            f"{self._account_path}/tokens/verify",
            what="token verification (account token)",
            route_ids=("account_id",),
        )


def user_token_verify() -> ApiRequest:
    """Token verification for user-owned tokens (not under an account)."""
    return ApiRequest("GET", "/user/tokens/verify", what="token verification (user token)", route_ids=())


def _checked(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise RealtimeKitConfigError(f"{name} must be a datetime, got {type(value).__name__}.")
    if value.tzinfo is None:
        raise RealtimeKitConfigError(f"{name} must be timezone-aware (use pendulum, or a datetime with tzinfo).")
    return value


def _page_number(name: str, value: object) -> int:
    # page_no may be 0 (the pager falls back to 0-based pages on a server that counts so [U]); per_page
    # of 0 would ask for empty pages for ever.
    least = 0 if name == "page_no" else 1
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise RealtimeKitConfigError(f"{name} must be an integer >= {least}, got {value!r}.")
    return value


def _iso_utc(value: datetime) -> str:
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _format_time(value: datetime, time_format: TimeFormat) -> str | int:
    return int(value.timestamp()) if time_format == "unix" else _iso_utc(value)
