"""
Session-ended report: a DAG run for every RealtimeKit livestream session that ends, with no session id to
pass and nothing to trigger by hand.

The asset ``realtimekit_livestream_sessions_ended`` is watched by ``RealtimeKitLivestreamSessionEndedTrigger``
in the triggerer: every session of the app that ends becomes an asset event whose ``extra["payload"]`` holds
``session_id``, ``livestream_id``, ``stopped_time``, ``err_message`` and the final ``session`` payload.

1. ``ended_sessions`` reads *every* event of the run (Airflow may fold several into one run) and returns one
   payload per session id.
2. ``write_report`` is mapped over them and writes ``<REALTIMEKIT_REPORT_DIR>/<session id>.json``, replacing
   the file if the session comes again (the watcher delivers at least once): one report per session,
   never a duplicate.

Unpause the DAG to start watching: events that arrive while it is paused start no run.

Connection: ``realtimekit_default``. Environment knobs, read when the DAG file is parsed unless noted:

- ``REALTIMEKIT_WATCH_INTERVAL``: seconds between the watcher's polls (default 60, at least 5). A quiet poll
  costs one request per 100 livestreams of the app.
- ``REALTIMEKIT_REPORT_DIR`` (read when the task runs): where reports go (default
  ``$AIRFLOW_HOME/realtimekit-reports``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, get_current_context, task

from airflow_provider_realtimekit.api.ids import validate_id
from airflow_provider_realtimekit.assets import livestream_sessions_ended_asset

# [START howto_session_ended_asset]
SESSIONS_ENDED = livestream_sessions_ended_asset(
    name="realtimekit_livestream_sessions_ended",
    realtimekit_conn_id="realtimekit_default",
    poll_interval=float(os.environ.get("REALTIMEKIT_WATCH_INTERVAL", "60")),
)
# [END howto_session_ended_asset]


def report_dir() -> Path:
    """Where reports are written (read at run time, so a deployment can set it without a re-parse)."""
    configured = os.environ.get("REALTIMEKIT_REPORT_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow")) / "realtimekit-reports"


def session_report(payload: dict[str, Any]) -> dict[str, Any]:
    """The report of one ended session, from its event payload."""
    session = payload["session"]
    started = pendulum.parse(session["started_time"]) if session.get("started_time") else None
    stopped = pendulum.parse(session["stopped_time"]) if session.get("stopped_time") else None
    duration = (stopped - started).total_seconds() if started and stopped else None  # type: ignore[operator]
    return {
        "session_id": payload["session_id"],
        "livestream_id": payload["livestream_id"],
        "stopped_time": payload["stopped_time"],
        "err_message": payload["err_message"],
        "duration_seconds": duration,
        # The API has served these as integers, fractions and strings: float() takes all three.
        "ingest_minutes": round(float(session.get("ingest_seconds") or 0) / 60, 2),
        "viewer_minutes": round(float(session.get("viewer_seconds") or 0) / 60, 2),
        "session": session,
    }


with DAG(
    dag_id="realtimekit_session_ended",
    schedule=[SESSIONS_ENDED],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["realtimekit", "example", "event-driven"],
    doc_md=__doc__,
):
    # [START howto_session_ended_events]
    @task
    def ended_sessions(triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """One payload per session id, from every asset event of this run."""
        payloads: dict[str, dict[str, Any]] = {}
        for event in triggering_asset_events[SESSIONS_ENDED]:
            payload = (event.extra or {}).get("payload")
            if payload:  # events from elsewhere (a manual asset event) carry no payload
                payloads[payload["session_id"]] = payload
        return list(payloads.values())

    @task(map_index_template="{{ session_id }}")
    def write_report(payload: dict[str, Any]) -> str:
        """Write (or overwrite) the report of one session; return its path."""
        session_id = payload["session_id"]
        validate_id("session_id", session_id)  # it names the file: no '/', '..' or control characters
        get_current_context()["session_id"] = session_id  # type: ignore[typeddict-unknown-key]
        directory = report_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{session_id}.json"
        # Write aside, then rename: a reader never sees half a report, and a repeat replaces it whole.
        with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".tmp", delete=False) as handle:
            json.dump(session_report(payload), handle, indent=2, sort_keys=True)
        os.replace(handle.name, path)
        return str(path)

    write_report.expand(payload=ended_sessions())
    # [END howto_session_ended_events]
