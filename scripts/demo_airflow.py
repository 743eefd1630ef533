"""The demo's Airflow: a throwaway AIRFLOW_HOME, the environment of every child process, a migrated metadata DB
(copied after the first run) and `airflow dags test` of the post-stream DAG, echoing what the sensor says.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from demo_report import DAG_ID, REPO, DemoError, relative, step, tail_of

#: Lines of `airflow dags test` output echoed while it runs: what the sensor and the tasks say.
ECHOED = re.compile(r"Livestream session|ALERT:|RealtimeKit\w*Error")
#: A structlog console line: timestamp, [level], message, [logger], key=value pairs.
LOG_LINE = re.compile(r"^\S+\s+\[\s*(?P<level>\w+)\s*\]\s+(?P<message>.*?)(\s+\[[\w.]+\].*)?$")


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
