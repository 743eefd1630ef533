"""The provider (hook, usage pull, sensor) against the emulator in every response-shape variant.

The emulator's variants (``ShapeVariants``) are the places where Cloudflare's API definition, Dyte's
examples and the official SDKs disagree. Each test here runs the real provider code over real HTTP on
127.0.0.1 once per variant: the sync hook directly, the usage pull and the deferrable sensor (trigger and
async hook included) through ``dag.test()``. The same data must come out whatever the shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_realtimekit.exceptions import RealtimeKitNotFoundError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.testing import Polls, RealtimeKitEmulator, ShapeVariants
from tests.airflow_runs import run_dag, task_state, xcom
from tests.dags import session_dags, usage_dags

START = pendulum.datetime(2026, 3, 1, tz="UTC")
WINDOW = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"}

#: One entry per variant value that differs from the defaults, plus the defaults and the definition preset.
VARIANTS: dict[str, dict[str, Any]] = {
    "examples (defaults)": {},
    "definition preset": {
        "list_shape": "definition",
        "livestream_sessions": "definition",
        "numbers": "int",
        "disabled": "string",
    },
    "disabled=string": {"disabled": "string"},
    "numbers=int": {"numbers": "int"},
    "numbers=string": {"numbers": "string"},
    "list_shape=object": {"list_shape": "object"},
    "list_shape=definition": {"list_shape": "definition"},
    "livestream_sessions=definition": {"livestream_sessions": "definition"},
    "paging_location=data": {"paging_location": "data"},
    "paging_location=none": {"paging_location": "none"},
    "stopped_time_when_live=missing": {"stopped_time_when_live": "missing"},
    "stopped_time_when_live=empty": {"stopped_time_when_live": "empty"},
    "not_found=null_data": {"not_found": "null_data"},
    "not_found=empty_data": {"not_found": "empty_data"},
    "page_base=0": {"page_base": 0},
    "small pages": {"per_page_max": 2},
    "analytics_time_format=iso": {"analytics_time_format": "iso"},
    "analytics_time_format=unix": {"analytics_time_format": "unix"},
}


def test_the_definition_preset_entry_matches_shape_variants_definition():
    preset = ShapeVariants.definition()

    assert all(getattr(preset, name) == value for name, value in VARIANTS["definition preset"].items())


@pytest.fixture(params=list(VARIANTS), ids=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The emulator switched to one variant (the data is added before the switch by each test's fixture)."""
    return VARIANTS[request.param]


@pytest.fixture
def studio(emulator: RealtimeKitEmulator, realtimekit_conn: str) -> dict[str, Any]:
    """Three livestreams; ``studio-a`` has three finished sessions in the window and one outside it."""
    livestreams = [
        emulator.add_livestream(name=name, created=START.subtract(days=10 - n))
        for n, name in enumerate(["studio-a", "studio-b", "studio-c"])
    ]
    studio_id = livestreams[0]["id"]
    sessions = [
        emulator.add_session(
            studio_id,
            id=f"s-{hour}",
            started=START.add(hours=hour),
            stopped=START.add(hours=hour, minutes=30),
            ingest_seconds=1800,
            viewer_seconds=100.25 * (hour + 1),
        )
        for hour in (1, 5, 9)
    ]
    emulator.add_session(studio_id, id="s-before", started=START.subtract(days=2), stopped=START.subtract(days=1))
    return {"livestreams": livestreams, "sessions": sessions}


def _switch(emulator: RealtimeKitEmulator, variant: dict[str, Any]) -> None:
    emulator.set_variants(**variant)


def test_hook_lists_every_livestream_and_session(emulator, studio, variant):
    _switch(emulator, variant)

    with RealtimeKitHook() as hook:
        livestreams = list(hook.iter_livestreams())
        sessions = list(hook.iter_livestream_sessions(studio["livestreams"][0]["id"]))

    assert sorted(item["name"] for item in livestreams) == ["studio-a", "studio-b", "studio-c"]
    assert sorted(item["id"] for item in sessions) == ["s-1", "s-5", "s-9", "s-before"]


def test_hook_reads_one_session_and_the_livestream(emulator, studio, variant):
    _switch(emulator, variant)

    with RealtimeKitHook() as hook:
        session = hook.get_livestream_session("s-5")
        livestream = hook.get_livestream(studio["livestreams"][0]["id"])

    assert session["id"] == "s-5"
    assert session["stopped_time"] == "2026-03-01T05:30:00.000Z"
    assert float(session["viewer_seconds"]) == pytest.approx(601.5, abs=0.5)
    assert livestream["livestream"]["name"] == "studio-a"


def test_hook_reads_the_active_session_of_a_live_livestream(emulator, studio, variant):
    live = emulator.add_session(studio["livestreams"][1]["id"], id="s-live")
    _switch(emulator, variant)

    with RealtimeKitHook() as hook:
        active = hook.get_active_livestream_session(studio["livestreams"][1]["id"])

    assert active["session"]["id"] == live["id"]
    assert active["livestream"]["status"] == "LIVE"


def test_hook_reads_analytics_totals(emulator, studio, variant):
    _switch(emulator, variant)

    with RealtimeKitHook() as hook:
        totals = hook.get_livestream_analytics(START, START.add(days=1))

    assert float(totals["count"]) == 3
    assert float(totals["total_ingest_seconds"]) == 5400
    assert float(totals["total_viewer_seconds"]) == pytest.approx(100.25 * (2 + 6 + 10), abs=0.5)


def test_usage_pull_writes_every_session_of_the_window(emulator, studio, variant, tmp_path: Path, airflow_db):
    _switch(emulator, variant)
    output = tmp_path / "usage.jsonl"

    dag_run = run_dag(usage_dags.usage_jsonl, output_path=str(output), **WINDOW)

    assert task_state(dag_run, "t") == "success"
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["session_id"] for row in rows) == ["s-1", "s-5", "s-9"]
    assert all(row["livestream_name"] == "studio-a" for row in rows)
    summary = xcom(dag_run, "t")
    assert summary["rows"] == 3
    assert summary["total_viewer_seconds"] == pytest.approx(100.25 * 18, abs=1.5)


def test_deferrable_sensor_waits_for_the_stop(emulator, studio, variant, airflow_db):
    session = emulator.add_session(studio["livestreams"][2]["id"], stops_after=Polls(2), viewer_seconds=12.75)
    _switch(emulator, variant)

    dag_run = run_dag(session_dags.sensor_deferrable, session_id=session["id"])

    assert task_state(dag_run, "wait") == "success"
    payload = xcom(dag_run, "wait")
    assert payload["id"] == session["id"]
    assert payload["stopped_time"]
    assert float(payload["viewer_seconds"]) == pytest.approx(12.75, abs=0.5)


@pytest.mark.parametrize("not_found", ["404", "null_data", "empty_data"])
def test_hook_reports_an_unknown_session_or_livestream_as_not_found(emulator, studio, not_found):
    emulator.set_variants(not_found=not_found)

    with RealtimeKitHook() as hook:
        with pytest.raises(RealtimeKitNotFoundError):
            hook.get_livestream_session("no-such-session")
        with pytest.raises(RealtimeKitNotFoundError):
            hook.get_livestream("no-such-livestream")
