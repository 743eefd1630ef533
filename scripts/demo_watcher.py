"""The watcher step of `make demo`: event-driven runs, one per livestream session that ends.

Runs ``example_dags/realtimekit_session_ended.py`` in a real Airflow (scheduler, triggerer, dag-processor
and api-server, each its own process; ``dag.test()`` runs no watchers) against the local emulator, which
ends 3 sessions a few seconds apart. Nobody triggers anything: the watcher in the triggerer sees each
session end, its asset event starts a run, and the run writes one report per session. Prints each run with
its payload. Steps, one ``==>`` line each:

1. a throwaway AIRFLOW_HOME at ``.airflow/demo-watcher`` with a migrated SQLite DB (copied after the first run);
2. the emulator in this process, on a free loopback port, with 3 live sessions;
3. the four Airflow components, the watcher polling every 5 s;
4. the sessions ended one by one, then each DAG run, its asset events' payloads and the reports;
5. everything stopped (always, also on failure or Ctrl+C).

Alone: ``.venv/bin/python scripts/demo_watcher.py`` (exit status 0 on success, 1 on failure with the end of
the relevant log). From ``scripts/demo.py``: ``run_watcher_demo(home)``, which raises ``DemoError``. The DB
migration, the ``airflow`` command and the log tails are :mod:`demo_airflow`'s and :mod:`demo_report`'s.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from demo_airflow import airflow_command, migrate
from demo_report import REPO, DemoError, step, tail_of

DAG_ID = "realtimekit_session_ended"
DAG_FILE = REPO / "example_dags" / f"{DAG_ID}.py"
WATCHER = "airflow_provider_realtimekit.triggers.session_ended.RealtimeKitLivestreamSessionEndedTrigger"
DEMO_TOKEN = "rtk-demo-watcher-token-7d1e"  # only ever passed through the environment
SESSIONS = 3
WATCH_INTERVAL = 5
#: More than one poll apart, so each session is its own event and run: events that reach the scheduler while
#: it creates the run of an earlier one wait for the next event (Airflow issue 56050; docs/event-driven.md).
SECONDS_BETWEEN_ENDS = WATCH_INTERVAL + 3.0
COMPONENTS = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}


def run_watcher_demo(home: Path, timeout: float = 300.0) -> None:
    """
    Run the watcher-driven DAG against 3 emulated sessions that end; print each run with its payload.

    :param home: the AIRFLOW_HOME to (re)create; its parent keeps the migrated DB template.
    :param timeout: seconds allowed from the components' start to the last report.
    """
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    fresh_home(home)
    step(f"starting the RealtimeKit emulator with {SESSIONS} live sessions")
    with RealtimeKitEmulator(token=DEMO_TOKEN, port=0) as emulator:
        sessions = [
            emulator.add_session(emulator.add_livestream(name=f"studio-{n}")["id"])["id"]
            for n in range(1, SESSIONS + 1)
        ]
        print(f"    serving {emulator.base_url}; sessions {', '.join(sessions)}", flush=True)
        processes = Components(home, environment(home, emulator.connection_json()))
        try:
            processes.start()
            deadline = time.monotonic() + timeout
            step(f"waiting for the watcher to start in the triggerer (polls every {WATCH_INTERVAL} s)")
            processes.wait_for(lambda: watcher_running(home, emulator), deadline, "the watcher's first poll")
            for n, session_id in enumerate(sessions, start=1):
                if n > 1:
                    time.sleep(SECONDS_BETWEEN_ENDS)
                emulator.end_session(session_id)
                step(f"emulator: session {n} of {SESSIONS} ended ({session_id}); nobody triggers anything")
            processes.wait_for(lambda: runs_done(home, sessions), deadline, f"{SESSIONS} reports and finished runs")
            show_results(home, sessions)
        finally:
            step("stopping the Airflow components and the emulator")
            processes.stop()


def fresh_home(home: Path) -> None:
    step(f"fresh AIRFLOW_HOME at {home} (SQLite metadata DB, the one DAG {DAG_ID})")
    if home.exists():
        shutil.rmtree(home)
    (home / "dags").mkdir(parents=True)
    (home / "dags" / DAG_FILE.name).symlink_to(DAG_FILE)
    migrate(environment(home, ""), home)


def environment(home: Path, connection: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    port = free_port()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            # Unpaused from the start: the watcher only runs for an unpaused DAG (see docs/event-driven.md).
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            # One set of secrets for every component: left unset, each makes its own, and tasks fail with
            # "Invalid auth token" or the triggerer cannot decrypt the trigger kwargs the dag-processor stored.
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
            "AIRFLOW_CONN_REALTIMEKIT_DEFAULT": connection,
            "REALTIMEKIT_WATCH_INTERVAL": str(WATCH_INTERVAL),
            "REALTIMEKIT_REPORT_DIR": str(home / "reports"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Components:
    """The four Airflow components, each the leader of its own process group, logging to a file."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = env
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        step("starting airflow api-server, scheduler, dag-processor and triggerer")
        for name, argv in COMPONENTS.items():
            args = [part.replace("{port}", self.env["AIRFLOW__API__PORT"]) for part in argv]
            with (self.home / f"{name}.log").open("wb") as log:
                self.processes[name] = subprocess.Popen(
                    airflow_command(*args),
                    env=self.env,
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

    def wait_for(self, probe: Callable[[], bool], deadline: float, what: str) -> None:
        while not probe():
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise DemoError(f"airflow {name} exited with {process.returncode}", self.tail(name))
            if time.monotonic() > deadline:
                raise DemoError(f"timed out waiting for {what}", self.tail("triggerer"))
            time.sleep(0.5)

    def tail(self, name: str) -> str:
        return tail_of(self.home / f"{name}.log")

    def stop(self, grace: float = 5.0) -> None:
        live = [process for process in self.processes.values() if process.poll() is None]
        for process in live:
            os.killpg(process.pid, signal.SIGTERM)
        end = time.monotonic() + grace
        for process in live:
            try:
                process.wait(max(end - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for process in self.processes.values():  # children (task processes) left in a group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def query(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # a table not there yet, or the DB busy: ask again later
        return []
    finally:
        db.close()


def watcher_running(home: Path, emulator: Any) -> bool:
    assigned = query(home, "SELECT id FROM trigger WHERE classpath = ? AND triggerer_id IS NOT NULL", (WATCHER,))
    return bool(assigned) and any(record.route == "livestreams" for record in emulator.requests)


def runs_done(home: Path, sessions: list[str]) -> bool:
    reports = {path.stem for path in (home / "reports").glob("*.json")}
    unfinished = query(home, "SELECT 1 FROM dag_run WHERE dag_id = ? AND state IN ('queued', 'running')", (DAG_ID,))
    return set(sessions) <= reports and not unfinished


def show_results(home: Path, sessions: list[str]) -> None:
    step("the DAG runs the watcher started (no `airflow dags trigger`), with their asset events' payloads")
    runs = query(home, "SELECT id, run_id, state, run_type FROM dag_run WHERE dag_id = ? ORDER BY id", (DAG_ID,))
    for run in runs:
        print(f"    run {run['run_id']}  ({run['run_type']}, {run['state']})", flush=True)
        events = query(
            home,
            "SELECT ae.extra FROM asset_event ae JOIN dagrun_asset_event dae ON dae.event_id = ae.id "
            "WHERE dae.dag_run_id = ? ORDER BY ae.id",
            (run["id"],),
        )
        for event in events:
            payload = json.loads(event["extra"] or "{}").get("payload", {})
            session = payload.get("session", {})
            print(
                f"      session {payload.get('session_id')}  livestream {payload.get('livestream_id')}  "
                f"stopped {payload.get('stopped_time')}  viewer_seconds {session.get('viewer_seconds')}",
                flush=True,
            )
    step(f"one report per session in {home / 'reports'}")
    for session_id in sessions:
        report = json.loads((home / "reports" / f"{session_id}.json").read_text())
        print(
            f"    {session_id}.json: duration {report['duration_seconds']} s, "
            f"viewer minutes {report['viewer_minutes']}, err_message {report['err_message']}",
            flush=True,
        )


def main() -> int:
    started = time.monotonic()
    home = Path(os.environ.get("REALTIMEKIT_DEMO_WATCHER_HOME") or REPO / ".airflow" / "demo-watcher").resolve()
    try:
        run_watcher_demo(home)
    except DemoError as error:
        if error.tail:
            print(f"\n--- log tail ---\n{error.tail}\n---", file=sys.stderr)
        print(f"\nwatcher demo failed: {error} (logs in {home})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nwatcher demo interrupted", file=sys.stderr)
        return 130
    step(f"watcher demo finished in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
