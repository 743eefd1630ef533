"""What `make demo` prints: the ``==>`` step lines, log tails of a failed step, and the results of the run read
back from the metadata DB.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DAG_ID = "realtimekit_post_stream"
LOG_TAIL_LINES = 40
PAYLOAD_FIELDS = (
    "id",
    "livestream_id",
    "started_time",
    "stopped_time",
    "err_message",
    "ingest_seconds",
    "viewer_seconds",
    "invoked_time",
    "created_at",
    "updated_at",
)


class DemoError(Exception):
    """A step failed: ``message`` says which, ``tail`` shows the end of its log."""

    def __init__(self, message: str, tail: str = "") -> None:
        super().__init__(message)
        self.tail = tail


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def show_results(db_path: Path) -> None:
    """Print the payload, the report, the alert and the asset event of the (only) run in the demo's DB."""
    step(f"results of the run, read back from the metadata DB ({relative(db_path)})")
    with sqlite3.connect(db_path) as db:
        row = db.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (DAG_ID,)
        ).fetchone()
        if row is None:
            print("    no DAG run was recorded")
            return
        run_id, state = row
        xcoms = {
            (task_id, key): _json_value(value)
            for task_id, key, value in db.execute(
                "SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ?", (DAG_ID, run_id)
            )
        }
        states = dict(
            db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (DAG_ID, run_id))
        )
        events = db.execute(
            "SELECT asset.uri, asset_event.extra FROM asset_event JOIN asset ON asset.id = asset_event.asset_id "
            "WHERE asset_event.source_dag_id = ? AND asset_event.source_run_id = ?",
            (DAG_ID, run_id),
        ).fetchall()
    print(f"    run {run_id}: {state}; tasks: " + ", ".join(f"{t}={s}" for t, s in sorted(states.items())))
    payload = xcoms.get(("wait_for_session_end", "return_value")) or xcoms.get(("wait_for_session_end", "session"))
    if payload:
        print("\nFetched livestream session payload (XCom of wait_for_session_end):")
        print(_aligned({k: payload[k] for k in PAYLOAD_FIELDS if k in payload} | payload))
    report = xcoms.get(("build_report", "return_value"))
    if report:
        print("\nRealtimeKit livestream session report (XCom of build_report):")
        print(_aligned(report))
    alert = xcoms.get(("alert_on_stream_error", "return_value"))
    if alert:
        print("\nStream error alert (XCom of alert_on_stream_error):")
        print(_aligned(alert))
    for uri, extra in events:
        print(f"\nAsset event on {uri}, extra: {_json_value(extra)}")
    print(flush=True)


def _json_value(value: Any) -> Any:
    # XCom values are stored as JSON; some paths store a JSON string of the JSON.
    while isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            break
    return value


def _aligned(values: Mapping[str, Any]) -> str:
    width = max(len(key) for key in values)
    return "\n".join(f"  {key:<{width}}  {_shown(value)}" for key, value in values.items())


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def tail_of(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)
