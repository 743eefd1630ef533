"""Turning an HTTP answer into data or a typed exception.

RealtimeKit answers in Dyte's envelope (``{"success": true, "data": ...}``, errors as
``{"success": false, "error": {"code", "message"}}``) while Cloudflare's gateway and the token endpoints
answer in Cloudflare's (``{"success", "errors": [{"code", "message"}], "messages", "result"}``). Both are
parsed here, including ``success: false`` on a 200.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.api.excerpts import excerpt, server_said
from airflow_provider_realtimekit.api.not_found import not_found_error
from airflow_provider_realtimekit.api.rate_limits import DEFAULT_LOCKOUT, parse_policy, rate_limit_message
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitAuthError,
    RealtimeKitError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
    RealtimeKitRateLimitError,
    RealtimeKitRedirectError,
    RealtimeKitRequestRejectedError,
)

__all__ = ["ApiResponse", "ErrorDetails", "excerpt", "parse_response", "retry_after_seconds", "unwrap"]

#: 4xx statuses a later try may cure (a timeout, a conflict with a concurrent change, a rate limit).
_TRANSIENT_CLIENT_ERRORS = frozenset({408, 409, 429})
#: The keys of both envelopes: a body with nothing else has nothing more to quote.
_ENVELOPE_KEYS = frozenset({"success", "error", "errors", "messages", "result", "data"})
TOKEN_PERMISSION_HINT = (
    "The token needs the 'Realtime' or 'Realtime Admin' permission on this account "
    "(Cloudflare dashboard > My Profile > API Tokens)."
)


@dataclass(frozen=True)
class ApiResponse:
    """
    An HTTP answer as the transports hand it over.

    :param status: the HTTP status code.
    :param headers: the response headers; keys are matched case-insensitively.
    :param body: the raw body.
    :param base_url: the API base URL the request went to, for messages about the connection's host.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = ""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class ErrorDetails:
    """
    The codes and messages an error body carries, from either envelope.

    :param codes: the API's error codes.
    :param messages: the API's error messages.
    :param said: for a body in neither envelope (``application/problem+json``, a proxy's own JSON), a
        short redacted excerpt of it; None when the body is empty or an envelope.
    """

    codes: list[int | str]
    messages: list[str]
    said: str | None = None

    def summary(self) -> str:
        if self.messages:
            return "; ".join(self.messages)
        if self.said:
            return f"no RealtimeKit error message; the server said: {self.said}"
        return "no error message in the response"


def parse_response(request: ApiRequest, response: ApiResponse) -> dict[str, Any]:
    """
    Return the decoded body of a successful answer, or raise the matching :class:`RealtimeKitError`.

    :param request: the request that was sent (for messages and the not-found rule).
    :param response: the answer.
    """
    if 300 <= response.status < 400:
        raise _error_for_redirect(request, response)
    try:
        body = _decode(request, response)
    except RealtimeKitInvalidResponseError:
        # A 4xx means what its status says even when the body is a proxy's HTML page, plain text or empty
        # (a 429 page from a proxy is still a 429); 5xx and 200 pages stay invalid responses (retried).
        if not 400 <= response.status < 500:
            raise
        body = {"error": excerpt(response.body)} if response.body.strip() else {}
    if response.status >= 400:
        raise _error_for_status(request, response, _error_details(body))
    if body.get("success") is False:
        raise _error_for_unsuccessful_200(request, response, _error_details(body))
    payload = unwrap(body)
    if request.expects_object and (payload is None or payload == {}):
        raise RealtimeKitNotFoundError(
            f"RealtimeKit returned no data for {request.what} ({request.describe()}): it does not exist "
            "in this app. Check the id and the connection's account_id and app_id."
        )
    if request.expects_object and not isinstance(payload, dict):
        # A list or a string where one object belongs would reach callers as something they cannot read.
        raise _invalid(
            request, response, f"a JSON {type(payload).__name__} as its data instead of an object", undecodable=False
        )
    return body


def unwrap(body: Mapping[str, Any]) -> Any:
    """The payload of a success envelope: ``data`` (RealtimeKit) or ``result`` (Cloudflare)."""
    return body["data"] if "data" in body else body.get("result")


def retry_after_seconds(response: ApiResponse, now: float | None = None) -> float | None:
    """
    Read ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date), as the official SDKs do.

    :param response: the answer.
    :param now: the current epoch time, for HTTP dates.
    """
    millis = _seconds(response.header("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    value = response.header("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _seconds(value: str | None) -> float | None:
    # 'nan' and 'inf' parse as floats but are no delay anyone can wait: treat them as absent.
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _decode(request: ApiRequest, response: ApiResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: '[[[[...' nested too deep
        raise _invalid(request, response, "a body that is not JSON") from None
    if not isinstance(body, dict):
        raise _invalid(request, response, f"a JSON {type(body).__name__} instead of an object", undecodable=False)
    return body


def _invalid(
    request: ApiRequest, response: ApiResponse, problem: str, *, undecodable: bool = True
) -> RealtimeKitInvalidResponseError:
    content_type = response.header("content-type") or "no content type"
    return RealtimeKitInvalidResponseError(
        f"RealtimeKit answered {request.describe()} with HTTP {response.status} and {problem} "
        f"({content_type}): {excerpt(response.body)!r}",
        status=response.status,
        undecodable=undecodable,
    )


def _error_details(body: Mapping[str, Any]) -> ErrorDetails:
    codes: list[int | str] = []
    messages: list[str] = []
    error = body.get("error")
    if isinstance(error, Mapping):
        _collect(error, codes, messages)
    elif isinstance(error, str):
        messages.append(error)
    errors = body.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, Mapping):
                _collect(item, codes, messages)
    if messages or set(body) <= _ENVELOPE_KEYS:
        return ErrorDetails(codes, messages)
    # Neither envelope: quote what the server said (a problem+json title, detail and validation list).
    return ErrorDetails(codes, messages, said=server_said(body))


def _collect(item: Mapping[str, Any], codes: list[int | str], messages: list[str]) -> None:
    code = item.get("code")
    if isinstance(code, (int, str)) and not isinstance(code, bool):
        codes.append(code)
    message = item.get("message")
    if message is not None:
        messages.append(excerpt(str(message)))


def _error_for_status(request: ApiRequest, response: ApiResponse, errors: ErrorDetails) -> RealtimeKitError:
    status = response.status
    where = f"{request.describe()} (HTTP {status}: {errors.summary()})"
    kwargs: dict[str, Any] = {"status": status, "error_codes": errors.codes, "error_messages": errors.messages}
    if status in (401, 403):
        return RealtimeKitAuthError(
            f"RealtimeKit refused the API token for {where}. Check that the connection's password "
            f"holds a valid, unexpired Cloudflare API token. {TOKEN_PERMISSION_HINT}"
        )
    if status == 404:
        return not_found_error(request, response.base_url, errors.codes, where)
    if status == 429:
        return rate_limit_error(where, response, kwargs)
    if 400 <= status < 500 and status not in _TRANSIENT_CLIENT_ERRORS:
        return RealtimeKitRequestRejectedError(
            f"RealtimeKit rejected {where}. Sending it again will not help: check the parameters the message names.",
            **kwargs,
        )
    return RealtimeKitAPIError(f"RealtimeKit failed {where}.", **kwargs)


def rate_limit_error(where: str, response: ApiResponse, kwargs: dict[str, Any]) -> RealtimeKitRateLimitError:
    """
    The error for a 429, worded by :func:`~airflow_provider_realtimekit.api.rate_limits.rate_limit_message`.
    Without ``retry-after`` the token is taken to be blocked for Cloudflare's 5 minutes, so that no caller
    comes back sooner and prolongs the block.

    :param where: the request and the server's message.
    :param response: the 429 answer.
    :param kwargs: status, codes and messages for the exception.
    """
    retry_after = retry_after_seconds(response)
    return RealtimeKitRateLimitError(
        rate_limit_message(where, parse_policy(response.headers), retry_after),
        retry_after=retry_after if retry_after is not None else DEFAULT_LOCKOUT,
        **kwargs,
    )


def _error_for_redirect(request: ApiRequest, response: ApiResponse) -> RealtimeKitError:
    # Redirects are never followed: the token would travel to wherever the Location points. The API itself
    # does not redirect, so a 3xx means the base URL is not the API's (http:// instead of https://, a
    # missing /client/v4, a login page in front of a proxy...).
    location = response.header("location")
    target = f" to {excerpt(location)}" if location else ""
    return RealtimeKitRedirectError(
        f"The API base URL answered {request.describe()} with HTTP {response.status}, a redirect{target}. "
        "Redirects are not followed (the API token would go with them): set the connection's host to the "
        "address the API answers on, e.g. https://api.cloudflare.com/client/v4.",
        status=response.status,
    )


def _error_for_unsuccessful_200(request: ApiRequest, response: ApiResponse, errors: ErrorDetails) -> RealtimeKitError:
    # RealtimeKit puts the HTTP status it meant into error.code; use it so a 404 or 500 reported inside a
    # 200 gets the same treatment (not found, or retried) as a real one.
    meant = next((c for c in errors.codes if isinstance(c, int) and 400 <= c <= 599), None)
    if meant is not None:
        return _error_for_status(
            request, ApiResponse(meant, response.headers, response.body, response.base_url), errors
        )
    return RealtimeKitAPIError(
        f"RealtimeKit reported failure for {request.describe()} (HTTP 200, success: false: {errors.summary()}).",
        status=response.status,
        error_codes=errors.codes,
        error_messages=errors.messages,
    )
