"""
Post-stream report: wait for a RealtimeKit livestream session to end, then report on it.

Trigger it with the livestream session id, e.g. ``airflow dags test realtimekit_post_stream -c
'{"session_id": "<livestream session id>"}'`` or from the UI's "Trigger" form.

1. ``wait_for_session_end`` waits in the triggerer (deferrable) until the session has a ``stopped_time``
   and hands its payload downstream through XCom.
2. ``build_report`` turns the payload into a small JSON report: duration, ingest and viewer minutes.
3. ``publish_report`` logs the report and records an asset event on
   ``realtimekit://<app id>/livestream-sessions`` whose extra carries the session id, so other DAGs can be
   scheduled on finished livestream sessions.
4. If the stream ended with an ``err_message``, the sensor fails with ``RealtimeKitStreamError``;
   ``alert_on_stream_error`` then reads the errored payload (XCom key ``session`` of
   ``wait_for_session_end``) and logs an alert. The run still ends *failed*, on purpose: an errored stream
   is a failure someone should see.

Connection: ``realtimekit_default`` (API token, ``account_id`` and ``app_id``).

Environment knobs, read when the DAG file is parsed:

- ``REALTIMEKIT_POKE_INTERVAL``: seconds between polls of the session (default 30). Every poll is one API
  request; Cloudflare allows 1,200 requests per 5 minutes per token, shared by every task using it.
- ``REALTIMEKIT_SENSOR_TIMEOUT``: seconds to wait for the session to end before failing (default 6 hours).
- ``REALTIMEKIT_APP_ID``: the app id named in the asset URI (default ``default``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, Param, task

from airflow_provider_realtimekit.sensors.realtimekit import (
    STREAM_ERROR_XCOM_KEY,
    RealtimeKitLivestreamSessionSensor,
)

log = logging.getLogger(__name__)

POKE_INTERVAL = float(os.environ.get("REALTIMEKIT_POKE_INTERVAL", "30"))
SENSOR_TIMEOUT = float(os.environ.get("REALTIMEKIT_SENSOR_TIMEOUT", str(6 * 3600)))

# [START howto_asset]
LIVESTREAM_SESSIONS = Asset(
    name="realtimekit_livestream_sessions",
    uri=f"realtimekit://{os.environ.get('REALTIMEKIT_APP_ID', 'default')}/livestream-sessions",
)
# [END howto_asset]


# [START howto_report]
def parse_instant(value: str) -> pendulum.DateTime:
    """An API timestamp such as ``2026-03-01T07:08:39.000Z`` as an aware datetime."""
    instant = pendulum.parse(value)
    if not isinstance(instant, pendulum.DateTime):
        raise ValueError(f"Expected an ISO-8601 date-time, got {value!r}")
    return instant


@task(multiple_outputs=False)  # one XCom holding the whole report, not one per key
def build_report(session: dict[str, Any]) -> dict[str, Any]:
    """Summarise a finished livestream session payload as JSON-safe values."""
    started = parse_instant(session["started_time"])
    stopped = parse_instant(session["stopped_time"])
    return {
        "session_id": session["id"],
        "livestream_id": session.get("livestream_id"),
        "started_time": session["started_time"],
        "stopped_time": session["stopped_time"],
        "duration_seconds": (stopped - started).total_seconds(),
        # The API has served these as integers, fractions and strings: float() takes all three.
        "ingest_minutes": round(float(session.get("ingest_seconds") or 0) / 60, 2),
        "viewer_minutes": round(float(session.get("viewer_seconds") or 0) / 60, 2),
        "err_message": session.get("err_message"),
    }


# [END howto_report]


# [START howto_asset_event]
@task(outlets=[LIVESTREAM_SESSIONS])
def publish_report(report: dict[str, Any], *, outlet_events: Any = None) -> None:
    """Log the report and attach the session id to the asset event this task emits."""
    log.info("%s", format_report(report))
    outlet_events[LIVESTREAM_SESSIONS].extra = {
        "session_id": report["session_id"],
        "livestream_id": report["livestream_id"],
        "duration_seconds": report["duration_seconds"],
    }


# [END howto_asset_event]


# [START howto_stream_error_alert]
@task(trigger_rule="one_failed")
def alert_on_stream_error(*, ti: Any = None) -> dict[str, Any] | None:
    """Runs only when the wait failed; alerts with the errored payload the sensor left in XCom."""
    session = ti.xcom_pull(task_ids="wait_for_session_end", key=STREAM_ERROR_XCOM_KEY)
    if not session:
        log.error("ALERT: waiting for the livestream session failed without a stream error; see its log.")
        return None
    log.error(
        "ALERT: livestream session %s of livestream %s ended with an error: %s",
        session.get("id"),
        session.get("livestream_id"),
        session.get("err_message"),
    )
    # Page someone here: Slack, PagerDuty, email... The return value is what the alert saw.
    return {"session_id": session.get("id"), "err_message": session.get("err_message")}


# [END howto_stream_error_alert]


def format_report(report: dict[str, Any]) -> str:
    """The report as aligned ``label  value`` lines, for logs and terminals."""
    duration = report["duration_seconds"]
    lines = [
        "RealtimeKit livestream session report",
        f"  session         {report['session_id']}",
        f"  livestream      {report['livestream_id']}",
        f"  started         {report['started_time']}",
        f"  stopped         {report['stopped_time']}",
        f"  duration        {duration:g} s ({pendulum.duration(seconds=duration).in_words()})",
        f"  ingest minutes  {report['ingest_minutes']:g}",
        f"  viewer minutes  {report['viewer_minutes']:g}",
        f"  error           {report['err_message'] or 'none'}",
    ]
    return "\n".join(lines)


with DAG(
    dag_id="realtimekit_post_stream",
    description="Wait for a RealtimeKit livestream session to end, then report on it",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "session_id": Param(
            type="string",
            minLength=1,
            title="Livestream session id",
            description="The RealtimeKit livestream session to wait for (not the livestream id).",
        ),
    },
    tags=["realtimekit", "example"],
    doc_md=__doc__,
) as dag:
    # [START howto_sensor]
    wait = RealtimeKitLivestreamSessionSensor(
        task_id="wait_for_session_end",
        session_id="{{ params.session_id }}",
        realtimekit_conn_id="realtimekit_default",
        deferrable=True,
        poke_interval=POKE_INTERVAL,
        timeout=SENSOR_TIMEOUT,
    )
    # [END howto_sensor]
    publish_report(build_report(wait.output))
    wait >> alert_on_stream_error()
