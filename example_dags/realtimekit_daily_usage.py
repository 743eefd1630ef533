"""
Daily RealtimeKit livestream usage: one JSON Lines file per day, one row per livestream session.

Every day just after midnight UTC, the previous day's sessions (those that *started* in
``[00:00, 24:00)`` UTC) are written to ``<output_dir>/usage/<YYYY-MM-DD>.jsonl``, and the task returns a
small summary (rows, ingest and viewer seconds, sessions still live when the pull ran) as its XCom.

- Connection: ``realtimekit_default`` (API token, ``account_id`` and ``app_id``). To try it offline, run
  the bundled emulator (``realtimekit-emulator``) and point the connection at it.
- ``output_dir``: a DAG param, by default ``$AIRFLOW_HOME/realtimekit-usage``. Any ``ObjectStoragePath``
  URL works too, e.g. ``s3://aws_default@my-bucket/realtimekit``.
- Re-running a day rewrites that day's file (the same rows once its sessions have all stopped); a failed run
  never leaves a partial file.
- The window is the run's data interval, so a manual run needs a logical date (the UI's "Trigger" with a
  logical date, or ``airflow dags trigger --logical-date 2026-03-02T00:00:00+00:00``): a run triggered
  without one has no data interval and its path cannot be rendered.

The schedule is a ``CronDataIntervalTimetable`` rather than the string ``"@daily"``: since Airflow 3.0 a
cron string gives runs an *empty* data interval (``[scheduler] create_cron_data_intervals = False``), and
the usage window is the data interval.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, Param

try:
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:  # Airflow releases whose Task SDK does not export timetables yet
    from airflow.timetables.interval import CronDataIntervalTimetable  # type: ignore[no-redef]

from airflow_provider_realtimekit.operators.usage import RealtimeKitLivestreamUsageOperator

DEFAULT_OUTPUT_DIR = os.path.join(os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow")), "realtimekit-usage")

with DAG(
    dag_id="realtimekit_daily_usage",
    description="Daily RealtimeKit livestream usage, one JSONL file per day",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "output_dir": Param(
            DEFAULT_OUTPUT_DIR,
            type="string",
            description="Directory or storage URL the daily files go under (in a usage/ folder).",
        ),
    },
    tags=["realtimekit", "example"],
    doc_md=__doc__,
) as dag:
    RealtimeKitLivestreamUsageOperator(
        task_id="pull_daily_usage",
        realtimekit_conn_id="realtimekit_default",
        output_path="{{ params.output_dir }}/usage/{{ data_interval_start | ds }}.jsonl",
        format="jsonl",
    )
