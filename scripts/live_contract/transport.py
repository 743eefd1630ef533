"""The suite's only way onto the network: GET requests, within a small budget.

:class:`ReadOnlyAdapter` is mounted for ``http://`` and ``https://`` on every ``requests`` session the suite
uses, the provider hook's own session included (the async hook's ``httpx`` client gets the same rule as a
request event hook, :func:`read_only_event_hooks`). It refuses any method but GET before a byte is sent, so no
check (and no later edit of one) can write to a real account, and it stops the run once the budget of
requests is spent, so a bug cannot burn through the token's rate limit. :class:`RawClient` sends the GETs
whose raw answer the suite wants to see: status, headers and the whole body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.adapters import HTTPAdapter

from scripts.live_contract.redaction import Redactor

if TYPE_CHECKING:
    from airflow_provider_realtimekit.api import ApiRequest, ClientSettings

#: The only method the suite may send.
ALLOWED_METHOD = "GET"
#: The most requests one run may send: the checks need 21 on a typical app and 30 at most, retries aside.
DEFAULT_BUDGET = 40


class WriteRefusedError(RuntimeError):
    """A request other than GET was about to be sent. Deliberately not a ``requests`` exception: the hook
    must not take it for a network failure and retry it."""


class BudgetExceededError(RuntimeError):
    """The run has sent as many requests as it may."""


@dataclass
class RequestBudget:
    """
    The requests sent so far, across every session of a run.

    :param limit: the most requests the run may send.
    """

    limit: int = DEFAULT_BUDGET
    sent: list[str] = field(default_factory=list)

    def spend(self, method: str, path: str) -> None:
        """
        Count one request, or refuse it.

        :param method: the HTTP method.
        :param path: the URL path, for the refusal message.
        """
        if method.upper() != ALLOWED_METHOD:
            raise WriteRefusedError(f"The live contract suite is read-only: refused {method} {path}.")
        if len(self.sent) >= self.limit:
            raise BudgetExceededError(f"The live contract suite stops at {self.limit} requests (refused GET {path}).")
        self.sent.append(f"{method.upper()} {path}")


class ReadOnlyAdapter(HTTPAdapter):
    """
    An ``HTTPAdapter`` that sends GET requests only, and only within the run's budget.

    :param budget: the run's request budget.
    """

    def __init__(self, budget: RequestBudget) -> None:
        super().__init__()
        self.budget = budget

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        path = urlsplit(request.url or "").path
        self.budget.spend(request.method or "", path)
        return super().send(request, *args, **kwargs)


def read_only_event_hooks(budget: RequestBudget) -> dict[str, list[Any]]:
    """
    ``event_hooks`` for an ``httpx.AsyncClient`` (the async hook's transport) that refuse any method but GET,
    and count within the budget, before the request is sent: httpx runs request hooks ahead of the transport.

    :param budget: the run's request budget.
    """

    async def refuse_writes(request: httpx.Request) -> None:
        budget.spend(request.method, request.url.path)

    return {"request": [refuse_writes], "response": []}


def make_read_only(session: requests.Session, budget: RequestBudget) -> requests.Session:
    """
    Route every request of a session through a :class:`ReadOnlyAdapter`; return the session.

    :param session: the session (the hook's own, or a new one).
    :param budget: the run's request budget.
    """
    adapter = ReadOnlyAdapter(budget)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class RawResponse:
    """
    One raw answer: the token already scrubbed from the body, which is decoded when it is JSON.

    :param status: the HTTP status.
    :param headers: the headers, names in lower case.
    :param body: the decoded JSON body, or None when it is not JSON.
    :param text: the body as text (for non-JSON answers); may hold stream keys, so scrub before showing.
    """

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip() or "none"

    @property
    def is_json(self) -> bool:
        return self.body is not None


class RawClient:
    """
    Sends GETs described by the provider's own :class:`~airflow_provider_realtimekit.api.ApiRequest`, with the
    connection's token and timeouts, and returns the raw answer.

    :param settings: the checked connection (base URL, token, timeouts).
    :param budget: the run's request budget.
    :param redactor: learns the secrets of every answer.
    """

    def __init__(self, settings: ClientSettings, budget: RequestBudget, redactor: Redactor) -> None:
        self._settings = settings
        self._redactor = redactor
        self._session = make_read_only(requests.Session(), budget)
        self._session.headers.update({"Accept": "application/json", "User-Agent": "realtimekit-live-contract"})
        self._session.headers.update(settings.authorization)

    def get(self, request: ApiRequest, params: Mapping[str, str | int] | None = None) -> RawResponse:
        """
        Send one GET; redirects are not followed (the token would go with them).

        :param request: the request, built by the provider's ``RealtimeKitApp``.
        :param params: query parameters replacing the request's own.
        """
        settings = self._settings
        response = self._session.get(
            request.url(settings.base_url),
            params=dict(request.params if params is None else params),
            timeout=(settings.connect_timeout, settings.read_timeout),
            allow_redirects=False,
        )
        with response:
            scrubbed = settings.received(response.status_code, dict(response.headers), response.content)
        text = scrubbed.body.decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        self._redactor.harvest(body)
        headers = {name.lower(): value for name, value in response.headers.items()}
        return RawResponse(response.status_code, headers, body, text)

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()
