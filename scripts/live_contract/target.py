"""The account and app under test, read from the environment, and the clients pointed at them.

Required: ``REALTIMEKIT_API_TOKEN``, ``REALTIMEKIT_ACCOUNT_ID``, ``REALTIMEKIT_APP_ID``. Optional:
``REALTIMEKIT_SESSION_ID`` (a livestream session to read; otherwise one is looked up) and
``REALTIMEKIT_BASE_URL`` (default Cloudflare's; the tests point it at the emulator).

The hook reads its connection the way it does in a task, through Airflow's ``get_connection``: the target is
handed over as an ``AIRFLOW_CONN_REALTIMEKIT_LIVE_CONTRACT`` variable that exists only while the clients are
open, so nothing is stored anywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scripts.live_contract.redaction import Redactor
from scripts.live_contract.transport import RawClient, RequestBudget, make_read_only

if TYPE_CHECKING:
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

REQUIRED = ("REALTIMEKIT_API_TOKEN", "REALTIMEKIT_ACCOUNT_ID", "REALTIMEKIT_APP_ID")
CONN_ID = "realtimekit_live_contract"
_CONN_VARIABLE = f"AIRFLOW_CONN_{CONN_ID.upper()}"
#: Attempts per request for the hook: one retry is enough to see that retries work, and keeps the count low.
HOOK_MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class LiveTarget:
    """
    What the suite runs against.

    :param token: the API token; never shown.
    :param account_id: the Cloudflare account id.
    :param app_id: the RealtimeKit app id.
    :param session_id: a livestream session id to read, or None.
    :param base_url: the API base URL, or None for Cloudflare's.
    """

    token: str = field(repr=False)
    account_id: str
    app_id: str
    session_id: str | None = None
    base_url: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> LiveTarget | list[str]:
        """
        The target, or the names of the required variables that are missing or empty.

        :param environ: the environment.
        """
        missing = [name for name in REQUIRED if not environ.get(name, "").strip()]
        if missing:
            return missing
        return cls(
            token=environ["REALTIMEKIT_API_TOKEN"].strip(),
            account_id=environ["REALTIMEKIT_ACCOUNT_ID"].strip(),
            app_id=environ["REALTIMEKIT_APP_ID"].strip(),
            session_id=environ.get("REALTIMEKIT_SESSION_ID", "").strip() or None,
            base_url=environ.get("REALTIMEKIT_BASE_URL", "").strip() or None,
        )

    def connection_json(self) -> str:
        """The Airflow connection, in the JSON form of an ``AIRFLOW_CONN_*`` variable."""
        connection: dict[str, object] = {
            "conn_type": "realtimekit",
            "password": self.token,
            "extra": {"account_id": self.account_id, "app_id": self.app_id},
        }
        if self.base_url:
            connection["host"] = self.base_url
        return json.dumps(connection)


@dataclass
class Clients:
    """
    The provider's hook and the raw client, both read-only and sharing one budget.

    :param hook: the provider's hook, its session routed through the read-only adapter.
    :param raw: the client for raw GETs.
    :param budget: the requests sent so far.
    :param redactor: the secrets met so far.
    """

    hook: RealtimeKitHook
    raw: RawClient
    budget: RequestBudget
    redactor: Redactor


@contextmanager
def open_clients(
    target: LiveTarget, redactor: Redactor, budget: RequestBudget, environ: MutableMapping[str, str] = os.environ
) -> Iterator[Clients]:
    """
    The hook and the raw client for a target; the connection variable is removed again on exit.

    :param target: the target.
    :param redactor: the run's redactor.
    :param budget: the run's request budget.
    :param environ: where the connection variable goes (the process environment, which Airflow reads).
    :raises RealtimeKitConfigError: a malformed id, token or base URL (nothing was sent).
    """
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

    previous = environ.get(_CONN_VARIABLE)
    environ[_CONN_VARIABLE] = target.connection_json()
    hook = RealtimeKitHook(CONN_ID, max_attempts=HOOK_MAX_ATTEMPTS)
    raw: RawClient | None = None
    try:
        settings = hook.settings  # reads and checks the connection now, before any request
        make_read_only(hook.get_conn(), budget)
        raw = RawClient(settings, budget, redactor)
        yield Clients(hook, raw, budget, redactor)
    finally:
        hook.close()
        if raw is not None:
            raw.close()
        if previous is None:
            environ.pop(_CONN_VARIABLE, None)
        else:
            environ[_CONN_VARIABLE] = previous
