"""One small exception class per failure meaning.

Every class is an :class:`~airflow.sdk.exceptions.AirflowException`, so ``soft_fail`` and
``on_failure_callback`` behave as Airflow users expect. ``transient`` tells a waiting task whether the
failure may clear by itself (so the wait goes on) or needs a person (so the task fails at once).

Failures that no retry can fix are also :class:`~airflow.sdk.exceptions.AirflowFailException`s (through
:class:`RealtimeKitPermanentError`), so the task fails without using its Airflow ``retries``: a bad
connection field or parameter, a refused token, an unknown session or livestream, a redirect, a request
the API rejects as malformed (400, 422...), a stream that ended in error. An auth error is one of them: a
retry minutes later runs with the same token, and three identical 401s only triple the failure noise.

No message built here ever contains the API token: messages are assembled from the request's method
and path, the HTTP status and the API's own error texts.
"""

from __future__ import annotations

from collections.abc import Sequence

from airflow_provider_realtimekit._compat import AirflowException, AirflowFailException


class RealtimeKitError(AirflowException):
    """Base class of every error raised by this provider."""

    #: True when the same call may succeed later without anyone changing anything.
    transient: bool = False


class RealtimeKitPermanentError(RealtimeKitError, AirflowFailException):
    """A failure only a person can fix: the task fails at once, without its Airflow ``retries``.

    A sensor with ``soft_fail=True`` is skipped instead, as Airflow does for any ``AirflowFailException``.
    """


class RealtimeKitConfigError(RealtimeKitPermanentError, ValueError):
    """A user-supplied value (an id, a connection field, a parameter) is invalid; nothing was sent."""


class RealtimeKitAuthError(RealtimeKitPermanentError):
    """401/403: the token is missing, invalid, expired or lacks the RealtimeKit permission."""


class RealtimeKitNotFoundError(RealtimeKitPermanentError):
    """404, or a success envelope whose ``data`` is missing or empty: the object does not exist."""


class RealtimeKitAPIError(RealtimeKitError):
    """Any other failure reported by the API.

    :param message: the human-readable summary.
    :param status: the HTTP status code, or None when the failure is not tied to a response.
    :param error_codes: the API's own error codes (RealtimeKit ``error.code`` or Cloudflare ``errors[].code``).
    :param error_messages: the API's own error messages, in the same order.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_codes: Sequence[int | str] = (),
        error_messages: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_codes = list(error_codes)
        self.error_messages = list(error_messages)

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return self.status is not None and (self.status >= 500 or self.status in (408, 409))


class RealtimeKitRedirectError(RealtimeKitAPIError, RealtimeKitPermanentError):
    """A 3xx: the base URL is not the API's own address. Redirects are never followed (the token would
    go with them), and asking again gets the same redirect."""

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return False


class RealtimeKitRequestRejectedError(RealtimeKitAPIError, RealtimeKitPermanentError):
    """A 4xx other than 401, 403, 404, 408, 409 and 429 (400, 405, 422...): the API refused the request as
    it was sent, and sending it again changes nothing."""

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return False


class RealtimeKitRateLimitError(RealtimeKitAPIError):
    """429 after the retry policy gave up (Cloudflare may lock a token out for five minutes)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return True


class RealtimeKitInvalidResponseError(RealtimeKitAPIError):
    """The body is not the JSON the API promises (an HTML error page, truncated JSON, a wrong shape).

    :param undecodable: True when the body could not be decoded at all (cut off, or a gateway's HTML page),
        which a retry may cure; False when it decoded to the wrong shape, which a retry will not.
    """

    def __init__(self, message: str, *, undecodable: bool = True, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.undecodable = undecodable

    @property
    def transient(self) -> bool:  # type: ignore[override]
        if not self.undecodable:
            return False
        # Gateways answer with HTML pages during incidents, and a dropped connection cuts JSON short.
        return self.status is None or self.status >= 500 or self.status == 200


class RealtimeKitTransportError(RealtimeKitError):
    """The request never got an HTTP answer: connection refused or dropped, DNS, or a timeout."""

    transient = True


class RealtimeKitStreamError(RealtimeKitPermanentError):
    """The livestream session ended with an ``err_message``.

    :param session_id: the livestream session id.
    :param err_message: the error reported by RealtimeKit.
    :param session: the full session payload, for callbacks that want to inspect it.
    """

    def __init__(self, session_id: str, err_message: str, session: dict | None = None) -> None:
        super().__init__(
            f"Livestream session {session_id!r} ended with an error: {err_message!r}. "
            "Set fail_on_stream_error=False to treat errored sessions as finished."
        )
        self.session_id = session_id
        self.err_message = err_message
        self.session = session or {}


class RealtimeKitWaitError(RealtimeKitError):
    """A wait gave up: too many consecutive transient failures while polling."""


_REBUILDABLE: dict[str, type[RealtimeKitError]] = {
    cls.__name__: cls
    for cls in (
        RealtimeKitError,
        RealtimeKitConfigError,
        RealtimeKitAuthError,
        RealtimeKitNotFoundError,
        RealtimeKitAPIError,
        RealtimeKitRedirectError,
        RealtimeKitRequestRejectedError,
        RealtimeKitRateLimitError,
        RealtimeKitInvalidResponseError,
        RealtimeKitTransportError,
        RealtimeKitWaitError,
    )
}


def rebuild_error(type_name: object, message: str) -> RealtimeKitError:
    """
    Re-create an error reported by a trigger event (by class name) so the task fails with the same type.

    :param type_name: the class name carried by the event; unknown names give a plain RealtimeKitError.
    :param message: the error's message.
    """
    cls = _REBUILDABLE.get(type_name, RealtimeKitError) if isinstance(type_name, str) else RealtimeKitError
    return cls(message)
