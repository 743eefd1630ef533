"""`make demo`: run the example post-stream DAG in a real Airflow, against the local emulator or Cloudflare.

Steps, one ``==>`` line each:

1. a throwaway AIRFLOW_HOME at ``.airflow/demo`` (emptied first; ``REALTIMEKIT_DEMO_HOME`` moves it) with a
   fresh SQLite metadata DB (``airflow db migrate``);
2. the RealtimeKit emulator (``realtimekit-emulator --scenario demo``) on a free loopback port: one
   livestream with a session that stops a few seconds after start;
3. ``airflow dags test realtimekit_post_stream -c '{"session_id": "..."}'`` with the connection pointed at
   the emulator and the sensor polling every second;
4. the fetched session payload, the report and the asset event, read back from the metadata DB;
5. the emulator stopped (always, also on failure or Ctrl+C).

Against Cloudflare instead: set a connection (``AIRFLOW_CONN_REALTIMEKIT_DEFAULT``, or
``REALTIMEKIT_API_TOKEN`` + ``REALTIMEKIT_ACCOUNT_ID`` + ``REALTIMEKIT_APP_ID``) and ``SESSION_ID``, the id of a
livestream session of that app. The token is never printed.

Exit status: 0 when the DAG run succeeded, 1 on any failure (with the relevant log tail), 2 when the
environment asks for Cloudflare but is incomplete, 130 on Ctrl+C.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DAG_ID = "realtimekit_post_stream"
DEMO_TOKEN = "rtk-demo-token-4f9c2a"  # the emulator's token; only ever passed through the environment
#: Seconds the demo session stays live. `airflow dags test` needs a few seconds to reach its first poll, so
#: this is long enough for the sensor to see the session live and defer at least once.
STOP_AFTER = 10.0
EMULATOR_START_TIMEOUT = 30.0
EMULATOR_RUN_TIMEOUT = 120.0
LOG_TAIL_LINES = 40
#: Lines of `airflow dags test` output echoed while it runs: what the sensor and the tasks say.
ECHOED = re.compile(r"Livestream session|ALERT:|RealtimeKit\w*Error")
#: A structlog console line: timestamp, [level], message, [logger], key=value pairs.
LOG_LINE = re.compile(r"^\S+\s+\[\s*(?P<level>\w+)\s*\]\s+(?P<message>.*?)(\s+\[[\w.]+\].*)?$")
REAL_CONN_VARS = ("REALTIMEKIT_API_TOKEN", "REALTIMEKIT_ACCOUNT_ID", "REALTIMEKIT_APP_ID")
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


class UsageError(Exception):
    """The environment asks for a run against Cloudflare but is incomplete."""


@dataclass(frozen=True)
class Target:
    """Where the DAG's connection points: the emulator (no session yet) or Cloudflare with a session id."""

    connection: str | None  # AIRFLOW_CONN_REALTIMEKIT_DEFAULT value; None = start the emulator
    session_id: str | None
    app_id: str | None


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def main() -> int:
    started = time.monotonic()
    emulator: subprocess.Popen[bytes] | None = None
    try:
        target = choose_target(os.environ)
        home = Path(os.environ.get("REALTIMEKIT_DEMO_HOME") or REPO / ".airflow" / "demo").resolve()
        fresh_airflow_home(home)
        env = airflow_env(home)
        migrate(env, home)
        if target.connection is None:
            emulator, target = start_emulator(home)
            env["REALTIMEKIT_POKE_INTERVAL"] = "1"
        else:
            step(f"using the connection from your environment against Cloudflare; session {target.session_id}")
        env["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = target.connection or ""
        if target.app_id:
            env["REALTIMEKIT_APP_ID"] = target.app_id
        assert target.session_id is not None
        succeeded = run_dag(env, home, target.session_id, timeout=EMULATOR_RUN_TIMEOUT if emulator else None)
        show_results(home / "airflow.db")
        if not succeeded:
            raise DemoError(
                f"the DAG run failed; full log: {relative(home / 'dags-test.log')}",
                tail_of(home / "dags-test.log"),
            )
    except UsageError as error:
        print(f"\n{error}", file=sys.stderr)
        return 2
    except DemoError as error:
        if error.tail:
            print(f"\n--- log tail ---\n{error.tail}\n---", file=sys.stderr)
        print(f"\ndemo failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo interrupted", file=sys.stderr)
        return 130
    finally:
        if emulator is not None:
            stop_emulator(emulator)
    step(f"demo finished in {time.monotonic() - started:.1f} s")
    return 0


# -- where the connection points ---------------------------------------------------------------------------


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


# -- Airflow -------------------------------------------------------------------------------------------------


def fresh_airflow_home(home: Path) -> None:
    step(f"fresh AIRFLOW_HOME at {relative(home)} (SQLite metadata DB, DAGs from example_dags/)")
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)


def airflow_env(home: Path) -> dict[str, str]:
    """The environment of every child: this one without Airflow settings, plus the demo's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def airflow_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("airflow")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "airflow", *args]


def migrate(env: Mapping[str, str], home: Path) -> None:
    """A freshly migrated SQLite DB: `airflow db migrate` once per Airflow version, a copy of its result after."""
    template = home.parent / f"{home.name}-migrated-airflow-{_airflow_version()}.db"
    if template.exists():
        step(f"fresh metadata DB: a copy of the one `airflow db migrate` made on the first run ({relative(template)})")
        shutil.copyfile(template, home / "airflow.db")
        return
    step("airflow db migrate (first run only; later runs copy its result)")
    log_path = home / "db-migrate.log"
    with log_path.open("wb") as log:
        result = subprocess.run(
            airflow_command("db", "migrate"), check=False, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        raise DemoError(f"airflow db migrate exited with {result.returncode}", tail_of(log_path))
    shutil.copyfile(home / "airflow.db", template)


def _airflow_version() -> str:
    try:
        return importlib.metadata.version("apache-airflow-core")
    except importlib.metadata.PackageNotFoundError:
        return importlib.metadata.version("apache-airflow")


def run_dag(env: Mapping[str, str], home: Path, session_id: str, timeout: float | None) -> bool:
    """Run the DAG with `airflow dags test`, echoing what the sensor says; True when the run succeeded."""
    conf = json.dumps({"session_id": session_id})
    args = ("dags", "test", DAG_ID, "-c", conf)
    poll = env.get("REALTIMEKIT_POKE_INTERVAL", "30")
    step(f"airflow {shlex.join(args)}   (sensor polls every {poll} s)")
    log_path = home / "dags-test.log"
    deadline = None if timeout is None else time.monotonic() + timeout
    with log_path.open("w") as log:
        process = subprocess.Popen(
            airflow_command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                if ECHOED.search(line):
                    print(f"    {_short(line)}", flush=True)
                if deadline is not None and time.monotonic() > deadline:
                    raise DemoError(f"airflow dags test took over {timeout:g} s", tail_of(log_path))
            process.wait()
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
    return process.returncode == 0


def _short(line: str) -> str:
    """A log line without its timestamp, logger and key=value pairs, for the terminal."""
    match = LOG_LINE.match(line.strip())
    text = f"{match['level']}: {match['message']}" if match else line.strip()
    return text[:200]


# -- the emulator ------------------------------------------------------------------------------------------


def start_emulator(home: Path) -> tuple[subprocess.Popen[bytes], Target]:
    step("starting the RealtimeKit emulator (realtimekit-emulator --scenario demo) on a free loopback port")
    script = Path(sys.executable).with_name("realtimekit-emulator")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "airflow_provider_realtimekit.testing"]
    command += ["--port", "0", "--token", DEMO_TOKEN, "--scenario", "demo", "--stop-after", f"{STOP_AFTER:g}"]
    out_path, err_path = home / "emulator.out", home / "emulator.log"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        summary = _first_line(process, out_path, err_path)
    except BaseException:
        stop_emulator(process)
        raise
    session_id = summary["live_session_id"]
    connection = summary["connection"]
    print(
        f"    serving {summary['base_url']}; livestream {summary['livestream_ids'][0]}, session {session_id} "
        f"is live and stops in {STOP_AFTER:g} s",
        flush=True,
    )
    target = Target(connection=json.dumps(connection), session_id=session_id, app_id=connection["extra"]["app_id"])
    return process, target


def _first_line(process: subprocess.Popen[bytes], out_path: Path, err_path: Path) -> dict[str, Any]:
    """The emulator's machine-readable first stdout line (see airflow_provider_realtimekit/testing/cli.py)."""
    deadline = time.monotonic() + EMULATOR_START_TIMEOUT
    while time.monotonic() < deadline:
        text = out_path.read_text()
        if "\n" in text:
            try:
                return json.loads(text.split("\n", 1)[0])
            except ValueError as error:
                raise DemoError(f"the emulator's first line is not JSON: {error}", tail_of(err_path)) from None
        if process.poll() is not None:
            raise DemoError(f"the emulator exited with {process.returncode}", tail_of(err_path))
        time.sleep(0.05)
    raise DemoError(f"the emulator did not start within {EMULATOR_START_TIMEOUT:g} s", tail_of(err_path))


def stop_emulator(process: subprocess.Popen[bytes]) -> None:
    step("stopping the emulator")
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- results -------------------------------------------------------------------------------------------------


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


# -- helpers -------------------------------------------------------------------------------------------------


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


if __name__ == "__main__":
    raise SystemExit(main())
