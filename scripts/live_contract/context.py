"""What the checks of one run share, and how a check is run: its exceptions become results.

A check is a function of the :class:`RunContext` returning a :class:`Verdict`, registered with
:func:`check`, which gives it the name and endpoint shown in the table. Checks run in order and later ones
use what earlier ones found (a livestream id, a session id), so the suite needs no id but the app's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from airflow_provider_realtimekit.exceptions import RealtimeKitError
from scripts.live_contract.report import CheckResult, Outcome, Report
from scripts.live_contract.target import Clients, LiveTarget
from scripts.live_contract.transport import BudgetExceededError, RawResponse, WriteRefusedError


@dataclass
class Verdict:
    """
    What a check concluded; :func:`run_checks` adds the check's name and endpoint.

    :param outcome: PASS, DIFFERS, SKIPPED or FAIL.
    :param detail: one line: what was seen (no ids, names, timestamps or secrets: it goes into the report).
    :param observed: shapes and facts for the report.
    :param message: a provider message that may name ids; printed only.
    """

    outcome: Outcome
    detail: str
    observed: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass
class RunContext:
    """
    The state one run shares between its checks.

    :param target: the account and app under test.
    :param clients: the hook, the raw client, the budget and the redactor.
    :param report: where results and findings go.
    :param livestreams: livestreams read by the first listing (at most one page).
    :param live_livestreams: livestreams read with ``status=LIVE``, or None before that check.
    :param session_id: a livestream session id to read: the given one, or one found on the way.
    :param session_source: where ``session_id`` came from, for the report.
    :param livestream_read: the ``data`` of the one livestream read through the hook (L3), or None.
    :param raw_answers: the raw answers read so far, by check name (their headers feed the rate-limit check).
    """

    target: LiveTarget
    clients: Clients
    report: Report
    livestreams: list[dict[str, Any]] = field(default_factory=list)
    live_livestreams: list[dict[str, Any]] | None = None
    session_id: str | None = None
    session_source: str = ""
    livestream_read: dict[str, Any] | None = None
    raw_answers: dict[str, RawResponse] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.target.session_id:
            self.session_id, self.session_source = self.target.session_id, "REALTIMEKIT_SESSION_ID"

    def found_session(self, session_id: object, source: str) -> None:
        """
        Remember a session id met on the way, unless one is known already.

        :param session_id: the id (ignored unless a non-empty string).
        :param source: where it was met.
        """
        if self.session_id is None and isinstance(session_id, str) and session_id:
            self.session_id, self.session_source = session_id, source

    def a_livestream_id(self) -> str | None:
        """The id of a livestream read by the first listing, a LIVE one if any (it surely has a session)."""
        live = [item for item in self.livestreams if item.get("status") == "LIVE"]
        for item in live or self.livestreams:
            if isinstance(item.get("id"), str) and item["id"]:
                return str(item["id"])
        return None

    def settle(self, question: str, answer: Any) -> None:
        """
        Record the answer to one open question in the report's findings.

        :param question: its name, e.g. ``"page_base"``.
        :param answer: what was found (JSON values; no ids, names or secrets).
        """
        self.report.findings[question] = answer


@dataclass(frozen=True)
class Check:
    """
    A registered check.

    :param name: the name shown in the table and the report.
    :param endpoint: the method and path it reads.
    :param run: the check itself.
    """

    name: str
    endpoint: str
    run: Callable[[RunContext], Verdict]


def check(name: str, endpoint: str) -> Callable[[Callable[[RunContext], Verdict]], Check]:
    """
    Register a function as a check.

    :param name: the name shown in the table and the report.
    :param endpoint: the method and path it reads, e.g. ``"GET A/livestreams"``.
    """

    def register(function: Callable[[RunContext], Verdict]) -> Check:
        return Check(name, endpoint, function)

    return register


def run_checks(ctx: RunContext, checks: Iterable[Check]) -> None:
    """
    Run checks in order into the context's report. An exception fails its check only; a spent budget
    skips the rest.

    :param ctx: the run.
    :param checks: the checks.
    """
    budget_spent = False
    for registered in checks:
        if budget_spent:
            verdict = Verdict(Outcome.SKIPPED, "not run: the request budget was spent")
        else:
            try:
                verdict = registered.run(ctx)
            except BudgetExceededError as error:
                budget_spent = True
                verdict = Verdict(Outcome.FAIL, str(error))
            except Exception as error:
                verdict = failed(error, ctx)
        ctx.report.add(
            CheckResult(
                registered.name,
                registered.endpoint,
                verdict.outcome,
                ctx.clients.redactor.scrub(verdict.detail),
                verdict.observed,
                ctx.clients.redactor.scrub(verdict.message),
            )
        )


def failed(error: BaseException, ctx: RunContext) -> Verdict:
    """
    The FAIL verdict for an exception: its class and status in the detail, its message printed only.

    :param error: what was raised.
    :param ctx: the run (for the redactor).
    """
    status = getattr(error, "status", None)
    detail = type(error).__name__ + (f" (HTTP {status})" if status is not None else "")
    if isinstance(error, WriteRefusedError):
        detail += ": the suite tried to write, which it must never do"
    elif isinstance(error, requests.RequestException):
        detail += ": the raw GET got no answer"
    elif not isinstance(error, RealtimeKitError):
        detail += ": an unexpected error (a bug in the suite or the provider)"
    return Verdict(Outcome.FAIL, detail, {"error": type(error).__name__, "status": status}, str(error))
