"""The livestream usage pull through real Airflow (`dag.test()`) against the emulator on 127.0.0.1.

Window under test: [2026-03-01T00:00Z, 2026-03-02T00:00Z). DAG runs are grouped so the module stays quick
(the first `dag.test()` of a process costs about 3 s, later ones about 0.5 s).
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitConfigError,
    RealtimeKitInvalidResponseError,
)
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.operators.usage import (
    USAGE_COLUMNS,
    RealtimeKitLivestreamUsageOperator,
    UsageWindow,
    pull_livestream_usage,
)
from airflow_provider_realtimekit.testing import Fault
from tests.conftest import TOKEN
from tests.dags import usage_dags

START = pendulum.datetime(2026, 3, 1, tz="UTC")
END = START.add(days=1)
WINDOW = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00+00:00"}
_logical_dates = (pendulum.datetime(2026, 6, 1, tz="UTC").add(hours=n) for n in itertools.count())


def run(dag: Any, **conf: Any) -> Any:
    """One `dag.test()` run with ``conf`` as params; returns the DagRun (it never raises on task failure)."""
    return dag.test(logical_date=next(_logical_dates), run_conf=conf)


def summary_of(dag_run: Any) -> dict[str, Any]:
    return dag_run.get_task_instance("t").xcom_pull(task_ids="t")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def printed(capfd: pytest.CaptureFixture[str]) -> str:
    captured = capfd.readouterr()
    return captured.out + captured.err


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def at(**offset: float) -> pendulum.DateTime:
    return START + timedelta(**offset)


def iso(instant: pendulum.DateTime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


@pytest.fixture
def edge_sessions(emulator, realtimekit_conn) -> dict[str, dict[str, Any]]:
    """Sessions around both window edges on a livestream created ten days before the window."""
    studio = emulator.add_livestream(name="studio-a", created=START - timedelta(days=10))
    emulator.add_livestream(name="never-used", created=START - timedelta(days=5))

    def add(name: str, started: pendulum.DateTime, stopped: pendulum.DateTime | None, **figures: Any) -> None:
        sessions[name] = emulator.add_session(
            studio["id"],
            id=f"s-{name}",
            started=started,
            stopped=stopped,
            ingest_seconds=figures.get("ingest", 60),
            viewer_seconds=figures.get("viewer", 116.11599994199997),
            err_message=figures.get("err"),
        )

    sessions: dict[str, dict[str, Any]] = {}
    add("before", at(seconds=-1), at(hours=1), ingest=3601)
    add("at-start", START, at(hours=1), ingest=3600, viewer=7200.5)
    add("middle", at(hours=6), at(hours=8), ingest=7200, viewer=0.25, err="RTMP ingest disconnected")
    add("stops-at-end", at(hours=22), END, ingest=7200, viewer=10)
    add("crosses-end", at(hours=23, minutes=30), END + timedelta(minutes=30), ingest=3600, viewer=20)
    add("live", at(hours=23), None, ingest=3000, viewer=30)
    add("at-end", END, END + timedelta(hours=1), ingest=3600, viewer=40)
    return sessions


def expected_row(name: str, started: pendulum.DateTime, stopped: pendulum.DateTime | None, **figures: Any) -> dict:
    return {
        "livestream_id": figures["livestream_id"],
        "livestream_name": "studio-a",
        "session_id": f"s-{name}",
        "started_time": iso(started),
        "stopped_time": None if stopped is None else iso(stopped),
        "duration_seconds": None if stopped is None else (stopped - started).total_seconds(),
        "ingest_seconds": float(figures["ingest"]),
        "viewer_seconds": float(figures["viewer"]),
        "err_message": figures.get("err"),
        "live_at_window_end": figures.get("live_at_window_end", False),
    }


# -- windows and rows --------------------------------------------------------------------------------------


def test_started_time_window_writes_exact_rows_and_totals(edge_sessions, emulator, tmp_path, airflow_db):
    output = tmp_path / "usage" / "day.jsonl"

    dag_run = run(usage_dags.usage_jsonl, output_path=str(output), **WINDOW)

    assert dag_run.state == "success"
    studio_id = edge_sessions["live"]["livestream_id"]
    # The API lists a livestream's sessions newest first; rows keep that order.
    assert read_jsonl(output) == [
        # Live at the window end (stopping at the end counts as live), each row as known at pull time: the real
        # stop and duration of a session that has stopped since, none for one still live.
        expected_row(
            "crosses-end",
            at(hours=23, minutes=30),
            END + timedelta(minutes=30),
            ingest=3600,
            viewer=20,
            livestream_id=studio_id,
            live_at_window_end=True,
        ),
        expected_row(
            "live", at(hours=23), None, ingest=3000, viewer=30, livestream_id=studio_id, live_at_window_end=True
        ),
        expected_row(
            "stops-at-end", at(hours=22), END, ingest=7200, viewer=10, livestream_id=studio_id, live_at_window_end=True
        ),
        expected_row(
            "middle",
            at(hours=6),
            at(hours=8),
            ingest=7200,
            viewer=0.25,
            err="RTMP ingest disconnected",
            livestream_id=studio_id,
        ),
        expected_row("at-start", START, at(hours=1), ingest=3600, viewer=7200.5, livestream_id=studio_id),
    ]
    assert summary_of(dag_run) == {
        "window_start": "2026-03-01T00:00:00.000Z",
        "window_end": "2026-03-02T00:00:00.000Z",
        "window_field": "started_time",
        "path": str(output),
        "format": "jsonl",
        "rows": 5,
        "total_ingest_seconds": 3600 + 3000 + 7200 + 7200 + 3600,
        "total_viewer_seconds": 20 + 30 + 10 + 0.25 + 7200.5,
        # only the session still live at pull time
        "live_sessions": 1,
        "livestreams": 1,
        # the livestream list, then one session page per livestream, then analytics
        "api_requests": 4,
        "analytics": {"count": 5, "total_ingest_seconds": 24600.0, "total_viewer_seconds": 7260.75},
    }
    assert leftovers(output.parent) == []


def test_a_session_live_at_pull_time_gets_its_real_stop_on_a_later_pull(emulator, realtimekit_conn, tmp_path):
    # A window that ended an hour ago; the session started in it and stops ten minutes from now.
    now = pendulum.instance(emulator.now())
    window = UsageWindow(now.subtract(hours=3), now.subtract(hours=1))
    studio = emulator.add_livestream(name="studio-b", created=now.subtract(days=1))
    emulator.add_session(studio["id"], id="s-long", started=now.subtract(hours=2), stops_after=2 * 3600 + 600)

    with RealtimeKitHook(realtimekit_conn) as hook:
        while_live = pull_livestream_usage(hook, window, str(tmp_path / "while-live.jsonl"))
        emulator.advance(timedelta(minutes=20))
        after_stop = pull_livestream_usage(hook, window, str(tmp_path / "after-stop.jsonl"))

    [live_row] = read_jsonl(tmp_path / "while-live.jsonl")
    [stopped_row] = read_jsonl(tmp_path / "after-stop.jsonl")
    assert (live_row["stopped_time"], live_row["duration_seconds"], live_row["live_at_window_end"]) == (
        None,
        None,
        True,
    )
    assert stopped_row["stopped_time"] == iso(now.add(minutes=10))
    assert (stopped_row["duration_seconds"], stopped_row["live_at_window_end"]) == (2 * 3600 + 600, True)
    assert (while_live["live_sessions"], after_stop["live_sessions"]) == (1, 0)


def test_stopped_time_window_takes_sessions_that_stopped_in_it(edge_sessions, tmp_path, airflow_db):
    output = tmp_path / "by-stop.jsonl"

    dag_run = run(usage_dags.usage_by_stop, output_path=str(output), **WINDOW)

    assert dag_run.state == "success"
    rows = read_jsonl(output)
    # Stopping exactly at the end belongs to the next window; live sessions wait for the run that sees the stop.
    assert [row["session_id"] for row in rows] == ["s-middle", "s-at-start", "s-before"]
    assert all(row["stopped_time"] and row["duration_seconds"] > 0 for row in rows)
    assert not any(row["live_at_window_end"] for row in rows)
    summary = summary_of(dag_run)
    assert (summary["window_field"], summary["rows"], summary["live_sessions"]) == ("stopped_time", 3, 0)
    assert summary["total_ingest_seconds"] == 7200 + 3600 + 3601


def test_consecutive_windows_count_every_session_once(edge_sessions, emulator, tmp_path, realtimekit_conn):
    seen: list[str] = []
    with RealtimeKitHook(realtimekit_conn) as hook:
        for day in range(-1, 2):
            window = UsageWindow(START.add(days=day), START.add(days=day + 1))
            pull_livestream_usage(hook, window, str(tmp_path / f"{day}.jsonl"))
            seen += [row["session_id"] for row in read_jsonl(tmp_path / f"{day}.jsonl")]

    assert sorted(seen) == sorted(session["id"] for session in edge_sessions.values())


def test_live_sessions_can_be_left_out_and_meeting_livestreams_skipped(edge_sessions, emulator, tmp_path):
    meeting_stream = emulator.add_livestream(name="meeting", meeting_id="m-1", created=START - timedelta(days=1))
    emulator.add_session(meeting_stream["id"], started=at(hours=2), stopped=at(hours=3))
    output = tmp_path / "day.jsonl"

    with RealtimeKitHook() as hook:
        summary = pull_livestream_usage(
            hook, UsageWindow(START, END), str(output), include_live_sessions=False, exclude_meetings=True
        )

    assert [row["session_id"] for row in read_jsonl(output)] == ["s-middle", "s-at-start"]
    assert (summary["rows"], summary["live_sessions"]) == (2, 0)
    assert [r.query.get("exclude_meetings") for r in emulator.requests if r.route == "livestreams"] == ["true"]


def test_object_storage_path_destination_is_accepted(edge_sessions, tmp_path):
    from airflow.sdk import ObjectStoragePath

    destination = ObjectStoragePath(f"file://{tmp_path}/nested/day.csv")

    with RealtimeKitHook() as hook:
        summary = pull_livestream_usage(hook, UsageWindow(START, END), destination, format="csv")

    assert summary["path"] == f"file://{tmp_path}/nested/day.csv"
    assert (tmp_path / "nested" / "day.csv").read_text().count("\n") == 1 + summary["rows"] == 6
    assert leftovers(tmp_path / "nested") == []


# -- formats, shapes, re-runs ---------------------------------------------------------------------------------


def test_csv_and_jsonl_hold_the_same_rows_whatever_the_number_shapes(edge_sessions, emulator, tmp_path, airflow_db):
    # Counts as strings and a missing stopped_time, as some endpoints and SDKs render them.
    emulator.set_variants(numbers="string", stopped_time_when_live="missing")
    jsonl_path, csv_path = tmp_path / "day.jsonl", tmp_path / "day.csv"

    jsonl_run = run(usage_dags.usage_jsonl, output_path=str(jsonl_path), **WINDOW)
    csv_run = run(usage_dags.usage_csv, output_path=str(csv_path), **WINDOW)

    assert (jsonl_run.state, csv_run.state) == ("success", "success")
    json_rows = read_jsonl(jsonl_path)
    with csv_path.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        assert tuple(reader.fieldnames or ()) == USAGE_COLUMNS
        csv_rows = list(reader)
    assert len(json_rows) == len(csv_rows) == 5
    assert all(isinstance(row["viewer_seconds"], float) for row in json_rows)
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in json_rows]
    assert csv_rows == as_text
    assert summary_of(csv_run)["format"] == "csv"
    assert summary_of(csv_run)["total_viewer_seconds"] == summary_of(jsonl_run)["total_viewer_seconds"]


def test_rerun_of_a_window_writes_a_byte_identical_file(tmp_path, emulator, realtimekit_conn, airflow_db):
    emulator.seed(4, 30, start=START.subtract(hours=12), end=END.add(hours=12), rng_seed=7)
    output = tmp_path / "day.csv"

    first = run(usage_dags.usage_csv, output_path=str(output), **WINDOW)
    first_bytes = output.read_bytes()
    second = run(usage_dags.usage_csv, output_path=str(output), **WINDOW)

    assert (first.state, second.state) == ("success", "success")
    assert output.read_bytes() == first_bytes
    assert summary_of(first)["rows"] == summary_of(second)["rows"] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day.csv"]


# -- paging --------------------------------------------------------------------------------------------------


def _add_sessions(emulator, counts: list[int]) -> None:
    for index, count in enumerate(counts):
        livestream = emulator.add_livestream(name=f"studio-{index}", created=START - timedelta(days=index + 1))
        for n in range(count):
            emulator.add_session(livestream["id"], started=at(minutes=n * 5 + index), stops_after=60)


@pytest.mark.parametrize(
    "case",
    [
        # (sessions per livestream, the server's page size, livestream-list pages, session pages)
        pytest.param(([120, 80, 50], 100, 1, 2 + 1 + 1), id="default-page-size"),
        pytest.param(([25] * 10, 7, 2, 10 * 4), id="clamped-pages-on-both-levels"),
    ],
)
def test_paging_reads_every_session_with_one_request_per_page(case, emulator, tmp_path, realtimekit_conn, airflow_db):
    counts, per_page_max, livestream_pages, session_pages = case
    _add_sessions(emulator, counts)
    emulator.set_variants(per_page_max=per_page_max)
    output = tmp_path / "day.jsonl"

    dag_run = run(usage_dags.usage_by_stop, output_path=str(output), **WINDOW)

    assert dag_run.state == "success"
    session_ids = [row["session_id"] for row in read_jsonl(output)]
    assert len(session_ids) == len(set(session_ids)) == sum(counts) == 250
    lists = [r for r in emulator.requests if r.route == "livestreams"]
    pages = [r for r in emulator.requests if r.route == "livestream"]
    assert [r.query["page_no"] for r in lists] == [str(n) for n in range(1, livestream_pages + 1)]
    assert len(pages) == session_pages
    assert summary_of(dag_run)["api_requests"] == len(emulator.requests) == livestream_pages + session_pages
    assert summary_of(dag_run)["livestreams"] == len(counts)


# -- failures ------------------------------------------------------------------------------------------------


def _fail_after_first_livestream(emulator, fault: Fault) -> None:
    # The first rule lets one request through untouched (a zero delay), the second fails every later one.
    emulator.inject_fault("livestream", Fault.delay(0), times=1)
    emulator.inject_fault("livestream", fault)


def test_api_failure_mid_pull_leaves_the_previous_file_and_no_temporary(
    emulator, tmp_path, realtimekit_conn, airflow_db, capfd
):
    _add_sessions(emulator, [3, 3, 3])
    output = tmp_path / "day.jsonl"
    output.write_text("the good file of an earlier run\n")
    _fail_after_first_livestream(emulator, Fault.status(400))

    dag_run = run(usage_dags.usage_jsonl, output_path=str(output), **WINDOW)

    assert dag_run.state == "failed"
    assert output.read_text() == "the good file of an earlier run\n"
    assert leftovers(tmp_path) == []
    assert [r.status for r in emulator.requests if r.route == "livestream"] == [200, 400]
    assert "RealtimeKitRequestRejectedError" in printed(capfd)  # a 400: no retry helps


@pytest.mark.parametrize("bad_id", ["stream/../other", "x" * 200])
def test_an_unusable_id_from_the_api_is_an_invalid_response_and_leaves_the_previous_file(
    bad_id, emulator, realtimekit_conn, tmp_path
):
    studio = emulator.add_livestream(name="studio-c", created=START - timedelta(days=3))
    emulator.add_session(studio["id"], started=at(hours=1), stopped=at(hours=2))
    emulator.add_livestream(name="odd", id=bad_id, created=START - timedelta(days=2))  # listed first (newer)
    output = tmp_path / "day.jsonl"
    output.write_text("the good file of an earlier run\n")

    with RealtimeKitHook(realtimekit_conn) as hook, pytest.raises(RealtimeKitInvalidResponseError) as raised:
        pull_livestream_usage(hook, UsageWindow(START, END), str(output))

    message = str(raised.value)
    assert "livestream list (GET /livestreams, item 1)" in message
    assert repr(bad_id[:80]) in message
    assert not raised.value.transient
    assert output.read_text() == "the good file of an earlier run\n"
    assert leftovers(tmp_path) == []
    # Nothing was requested with the bad id.
    assert [r.route for r in emulator.requests if r.route != "livestreams"] == []


def test_server_errors_are_retried_then_fail_without_a_file(emulator, tmp_path, monkeypatch):
    connection = emulator.connection()
    connection["extra"]["max_attempts"] = 2
    monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_FLAKY", json.dumps(connection))
    _add_sessions(emulator, [2, 2])
    _fail_after_first_livestream(emulator, Fault.status(500))
    output = tmp_path / "day.jsonl"

    with RealtimeKitHook("realtimekit_flaky") as hook, pytest.raises(RealtimeKitAPIError, match="500") as failure:
        pull_livestream_usage(hook, UsageWindow(START, END), str(output))

    assert failure.value.status == 500
    assert [r.status for r in emulator.requests if r.route == "livestream"] == [200, 500, 500]
    assert list(tmp_path.iterdir()) == []


# -- bad inputs: refused before any request -----------------------------------------------------------------


def _execute(**kwargs: Any) -> Any:
    kwargs.setdefault("output_path", "/tmp/rtk-usage-tests/never-written.jsonl")
    context = kwargs.pop("context", {})
    return RealtimeKitLivestreamUsageOperator(task_id="t", **kwargs).execute(context)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"start": WINDOW["end"], "end": WINDOW["start"]}, "must be after its start", id="end<start"),
        pytest.param({**WINDOW, "end": WINDOW["start"]}, "must be after its start", id="empty-window"),
        pytest.param({**WINDOW, "start": "2026-03-01T00:00:00"}, "has no timezone", id="naive-string"),
        pytest.param({**WINDOW, "end": pendulum.naive(2026, 3, 2)}, "has no timezone", id="naive-datetime"),
        pytest.param({**WINDOW, "start": "yesterday-ish"}, "not an ISO-8601", id="garbage-start"),
        pytest.param({}, "No window start: the run has no data_interval_start", id="manual-run-no-interval"),
        pytest.param({**WINDOW, "output_path": "relative/day.jsonl"}, "is relative", id="relative-path"),
        pytest.param({**WINDOW, "output_path": "/proc/rtk-usage/day.jsonl"}, "Cannot write the usage file", id="proc"),
        pytest.param({**WINDOW, "output_path": "nosuchscheme://bucket/day.jsonl"}, "Cannot write", id="scheme"),
    ],
)
def test_bad_inputs_are_refused_before_any_request(kwargs, message, emulator, realtimekit_conn):
    with pytest.raises(RealtimeKitConfigError, match=message):
        _execute(**kwargs)

    assert emulator.requests == []


def test_a_file_standing_where_a_directory_is_needed_is_refused(emulator, realtimekit_conn, tmp_path):
    (tmp_path / "not-a-dir").write_text("")

    with pytest.raises(RealtimeKitConfigError, match="Cannot write the usage file"):
        _execute(output_path=str(tmp_path / "not-a-dir" / "day.jsonl"), **WINDOW)

    assert emulator.requests == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"format": "parquet"}, r"format must be one of \['jsonl', 'csv'\], got 'parquet'", id="format"),
        pytest.param({"window_field": "created_at"}, "window_field must be one of", id="window-field"),
    ],
)
def test_unknown_choices_are_refused_when_the_dag_is_parsed(kwargs, message):
    with pytest.raises(RealtimeKitConfigError, match=message):
        RealtimeKitLivestreamUsageOperator(task_id="t", output_path="/tmp/x.jsonl", **kwargs)


def test_a_failed_dag_run_on_bad_input_sends_nothing(emulator, realtimekit_conn, tmp_path, airflow_db, capfd):
    output = tmp_path / "day.jsonl"

    dag_run = run(usage_dags.usage_jsonl, output_path=str(output), start=WINDOW["end"], end=WINDOW["start"])

    assert dag_run.state == "failed"
    assert "must be after its start" in printed(capfd)
    assert emulator.requests == []
    assert list(tmp_path.iterdir()) == []


# -- analytics and secrets ----------------------------------------------------------------------------------


def test_analytics_disagreement_is_logged_not_fatal(edge_sessions, tmp_path, realtimekit_conn):
    logged: list[str] = []

    class Recorder:
        def info(self, *args: Any) -> None:
            pass

        def warning(self, message: str, *args: Any) -> None:
            logged.append(message % args)

    with RealtimeKitHook(realtimekit_conn) as hook:
        summary = pull_livestream_usage(
            hook,
            UsageWindow(START, END, "stopped_time"),
            str(tmp_path / "day.jsonl"),
            include_analytics=True,
            logger=Recorder(),
        )

    # The emulator's analytics place sessions by start; this window places them by stop.
    assert summary["analytics"]["count"] == 5 and summary["rows"] == 3
    assert len(logged) == 1 and "analytics disagree" in logged[0] and "count: API 5 vs rows 3;" in logged[0]


def test_token_never_reaches_the_file_or_the_summary(edge_sessions, tmp_path, airflow_db, capfd):
    output = tmp_path / "day.jsonl"

    dag_run = run(usage_dags.usage_jsonl, output_path=str(output), **WINDOW)

    assert dag_run.state == "success"
    assert TOKEN not in output.read_text()
    assert TOKEN not in json.dumps(summary_of(dag_run))
    assert TOKEN not in printed(capfd)


# -- the example DAG -------------------------------------------------------------------------------------------


def test_example_dag_writes_yesterdays_file_under_output_dir(emulator, realtimekit_conn, tmp_path, airflow_db):
    from example_dags.realtimekit_daily_usage import dag

    emulator.seed(3, 40, start=START.subtract(days=1), end=END.add(days=1), rng_seed=3)

    # The run at 2026-03-02 00:00 covers 2026-03-01.
    dag_run = dag.test(logical_date=END, run_conf={"output_dir": str(tmp_path)})

    assert dag_run.state == "success"
    summary = dag_run.get_task_instance("pull_daily_usage").xcom_pull(task_ids="pull_daily_usage")
    output = tmp_path / "usage" / "2026-03-01.jsonl"
    assert summary["path"] == str(output)
    assert (summary["window_start"], summary["window_end"]) == ("2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z")
    rows = read_jsonl(output)
    assert len(rows) == summary["rows"] > 0
    assert all(START <= pendulum.parse(row["started_time"]) < END for row in rows)
    assert math.isclose(sum(row["ingest_seconds"] for row in rows), summary["total_ingest_seconds"])
