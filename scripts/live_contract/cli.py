"""``make test-live``: the command that runs the live contract suite and reports.

Without ``REALTIMEKIT_API_TOKEN``, ``REALTIMEKIT_ACCOUNT_ID`` and ``REALTIMEKIT_APP_ID`` it prints one line
saying it skipped and which variable is missing, and exits 0, so it can sit in any pipeline. Otherwise it
runs the checks (GET only; 21 requests on a typical app, never more than 40), prints a table, writes the report
(``out/live-contract-report.json`` by default) and exits 1 if a provider call failed, 2 if the environment
holds a malformed id, token or base URL (nothing was sent), and 0 otherwise, DIFFERS included.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from scripts.live_contract.redaction import Redactor
from scripts.live_contract.target import REQUIRED, LiveTarget
from scripts.live_contract.transport import DEFAULT_BUDGET, RequestBudget

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_REPORT = Path("out") / "live-contract-report.json"
#: Airflow writes a default configuration into its home on first import: keep that out of the user's ~/airflow.
DEFAULT_AIRFLOW_HOME = REPO / ".airflow" / "live-contract"
#: The table says what each request found; the hook's one INFO line per request would bury it (warnings,
#: such as retries, still show). Airflow names a hook's logger after its class, under airflow.task.hooks.
QUIET_HOOK_LOG = "airflow.task.hooks.airflow_provider_realtimekit=WARNING"
EXIT_FAILED = 1
EXIT_BAD_ENVIRONMENT = 2


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """
    Run the suite; return the exit status.

    :param argv: the command-line arguments (``--report PATH``).
    :param environ: the environment to read the target from; default the process environment.
    """
    args = _parser().parse_args(argv)
    target = LiveTarget.from_environment(os.environ if environ is None else environ)
    if isinstance(target, list):
        print(skip_line(target))
        return 0
    os.environ.setdefault("AIRFLOW_HOME", str(DEFAULT_AIRFLOW_HOME))
    os.environ.setdefault("AIRFLOW__LOGGING__NAMESPACE_LEVELS", QUIET_HOOK_LOG)
    return run(target, args.report)


def skip_line(missing: Sequence[str]) -> str:
    """
    The one line printed when the suite cannot run.

    :param missing: the required variables that are not set.
    """
    verb = "is" if len(missing) == 1 else "are"
    return (
        f"live contract suite skipped: {_and(missing)} {verb} not set "
        f"(set {_and(REQUIRED)} to run it against Cloudflare; see docs/live-contract.md)"
    )


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def run(target: LiveTarget, report_path: Path) -> int:
    """
    Run every check against a target, print the table, write the report; return the exit status.

    :param target: the account and app under test.
    :param report_path: where the JSON report goes.
    """
    from airflow_provider_realtimekit.api.settings import DEFAULT_BASE_URL
    from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
    from scripts.live_contract.context import RunContext, run_checks
    from scripts.live_contract.open_questions import OPEN_QUESTIONS
    from scripts.live_contract.provider_checks import PROVIDER_CHECKS
    from scripts.live_contract.report import Report
    from scripts.live_contract.target import open_clients

    redactor = Redactor([target.token])
    budget = RequestBudget(DEFAULT_BUDGET)
    kind = "cloudflare" if (target.base_url or DEFAULT_BASE_URL).rstrip("/") == DEFAULT_BASE_URL else "other"
    report = Report(base_url_kind=kind)
    where = "Cloudflare" if kind == "cloudflare" else "a non-default base URL"
    print(f"live contract suite: read-only checks against {where}")
    try:
        with open_clients(target, redactor, budget) as clients:
            ctx = RunContext(target, clients, report)
            run_checks(ctx, PROVIDER_CHECKS)
            run_checks(ctx, OPEN_QUESTIONS)
    except RealtimeKitConfigError as error:
        print(redactor.scrub(f"live contract suite: the environment is not usable: {error}"), file=sys.stderr)
        return EXIT_BAD_ENVIRONMENT
    report.requests_sent = len(budget.sent)
    report.write(report_path, redactor)
    print(redactor.scrub(report.table()))
    print(f"report: {report_path} (shapes and types only, no ids or secrets: attach it to an issue)")
    return EXIT_FAILED if report.failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.live_contract",
        description="Read-only checks of the provider against the real Cloudflare RealtimeKit API.",
        epilog="Environment: " + ", ".join(REQUIRED) + " (required); REALTIMEKIT_SESSION_ID, REALTIMEKIT_BASE_URL.",
    )
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help=f"the JSON report ({DEFAULT_REPORT})")
    return parser
