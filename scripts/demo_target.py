"""Where the demo's connection points: the local emulator, or Cloudflare when the environment holds a
RealtimeKit connection (then ``SESSION_ID`` is needed too). The token is never printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

REAL_CONN_VARS = ("REALTIMEKIT_API_TOKEN", "REALTIMEKIT_ACCOUNT_ID", "REALTIMEKIT_APP_ID")


class UsageError(Exception):
    """The environment asks for a run against Cloudflare but is incomplete."""


@dataclass(frozen=True)
class Target:
    """Where the DAG's connection points: the emulator (no session yet) or Cloudflare with a session id."""

    connection: str | None  # AIRFLOW_CONN_REALTIMEKIT_DEFAULT value; None = start the emulator
    session_id: str | None
    app_id: str | None


def choose_target(environ: Mapping[str, str]) -> Target:
    """The emulator unless the environment holds a RealtimeKit connection; then Cloudflare, with SESSION_ID."""
    connection = environ.get("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", "").strip()
    parts = {name: environ.get(name, "").strip() for name in REAL_CONN_VARS}
    if not connection and not any(parts.values()):
        return Target(connection=None, session_id=None, app_id=None)
    if not connection:
        missing = [name for name, value in parts.items() if not value]
        if missing:
            raise UsageError(
                f"To run against Cloudflare, also set {', '.join(missing)} (all of {', '.join(REAL_CONN_VARS)} "
                "are needed), or set AIRFLOW_CONN_REALTIMEKIT_DEFAULT instead. Unset them all to run against "
                "the local emulator."
            )
        connection = json.dumps(
            {
                "conn_type": "realtimekit",
                "password": parts["REALTIMEKIT_API_TOKEN"],
                "extra": {"account_id": parts["REALTIMEKIT_ACCOUNT_ID"], "app_id": parts["REALTIMEKIT_APP_ID"]},
            }
        )
    session_id = environ.get("SESSION_ID", "").strip()
    if not session_id:
        raise UsageError(
            "A RealtimeKit connection is set, so the demo would run against Cloudflare, but SESSION_ID is not.\n"
            "Set SESSION_ID to a livestream session id of your app (GET .../livestreams/<livestream id> lists "
            "them), e.g.\n    SESSION_ID=<livestream session id> make demo\n"
            f"or unset AIRFLOW_CONN_REALTIMEKIT_DEFAULT and {', '.join(REAL_CONN_VARS)} to use the local emulator."
        )
    return Target(connection=connection, session_id=session_id, app_id=_app_id_of(connection))


def _app_id_of(connection: str) -> str | None:
    try:
        extra = json.loads(connection).get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra)
        return str(extra["app_id"])
    except (ValueError, AttributeError, KeyError, TypeError):
        return None  # a URI-form connection: the asset URI then says "default"
