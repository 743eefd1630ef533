"""Check results, the table printed at the end of a run, and the JSON report.

Every result is PASS, DIFFERS (the API answered in a form other than the one the provider's notes and the
emulator take as real; the provider may still cope, the detail says what was seen), SKIPPED (nothing to
read, e.g. no livestream session in the app) or FAIL (a provider call failed: the run exits non-zero).

The report holds the results and the settled open questions: key names, JSON types, string formats, HTTP
statuses, header names, page numbers and counts, the API's wording for not found. It never holds an id, a
name, a timestamp or a secret of the account: the details in it are built from the above alone, and the
whole text is scrubbed once more before it is written.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from scripts.live_contract.redaction import Redactor

REPORT_VERSION = 1


def _version_of(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


class Outcome(str, Enum):
    """How a check ended."""

    PASS = "PASS"
    DIFFERS = "DIFFERS"
    SKIPPED = "SKIPPED"
    FAIL = "FAIL"


@dataclass
class CheckResult:
    """
    One check.

    :param name: short and stable, e.g. ``"L5 session"``; tests and readers key on it.
    :param endpoint: what was called, e.g. ``"GET .../livestreams/sessions/{id}"``.
    :param outcome: how it ended.
    :param detail: one line for people: what was seen, or what differs and how.
    :param observed: shapes and facts for the report (never values).
    :param message: the provider's own error message, which may name ids: printed, never written to the report.
    """

    name: str
    endpoint: str
    outcome: Outcome
    detail: str = ""
    observed: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "endpoint": self.endpoint,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "observed": self.observed,
        }


@dataclass
class Report:
    """
    Everything one run found.

    :param base_url_kind: ``"cloudflare"`` for the default API, ``"other"`` for any other base URL.
    :param results: the checks, in the order they ran.
    :param findings: the open questions settled, by name (see ``open_questions``).
    :param requests_sent: how many requests the run sent.
    """

    base_url_kind: str
    results: list[CheckResult] = field(default_factory=list)
    findings: dict[str, Any] = field(default_factory=dict)
    requests_sent: int = 0

    def add(self, result: CheckResult) -> CheckResult:
        self.results.append(result)
        return result

    def counts(self) -> dict[str, int]:
        return {outcome.value: sum(r.outcome is outcome for r in self.results) for outcome in Outcome}

    @property
    def failed(self) -> bool:
        return any(result.outcome is Outcome.FAIL for result in self.results)

    def as_json(self) -> dict[str, Any]:
        from airflow_provider_realtimekit import __version__

        return {
            "report_version": REPORT_VERSION,
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "provider_version": __version__,
            "python": platform.python_version(),
            "airflow_version": _version_of("apache-airflow"),
            "api": self.base_url_kind,
            "requests_sent": self.requests_sent,
            "counts": self.counts(),
            "checks": [result.as_json() for result in self.results],
            "findings": self.findings,
        }

    def write(self, path: Path, redactor: Redactor) -> None:
        """
        Write the report as JSON, scrubbed.

        :param path: the file; its directory is created.
        :param redactor: the run's redactor.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redactor.scrub(json.dumps(self.as_json(), indent=2, sort_keys=False)) + "\n")

    def table(self) -> str:
        """The results as a fixed-width table, one line per check, and a summary line."""
        name_width = max([len("CHECK"), *(len(r.name) for r in self.results)])
        lines = [f"{'CHECK':<{name_width}}  {'RESULT':<7}  DETAIL"]
        for r in self.results:
            message = f" ({r.message})" if r.message else ""
            lines.append(f"{r.name:<{name_width}}  {r.outcome.value:<7}  {r.detail}{message}")
        counts = ", ".join(f"{n} {name}" for name, n in self.counts().items() if n)
        lines.append(f"{len(self.results)} checks: {counts}; {self.requests_sent} requests sent (GET only)")
        return "\n".join(lines)
