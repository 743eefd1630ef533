"""A real Airflow deployment on loopback, for the end-to-end tests.

`airflow db migrate` in a fresh AIRFLOW_HOME, then the scheduler, triggerer, dag-processor and api-server,
each in its own process group (own session) with its output in a log file. Every wait is bounded and
checks that the components are still alive, so a component that fails to start or dies fails the test
with its log tail instead of a hang. `stop()` ends every process group (SIGTERM, then SIGKILL after a
grace period) and then looks through /proc for any process still carrying this AIRFLOW_HOME.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
#: Seconds a process group gets between SIGTERM and SIGKILL.
STOP_GRACE = 20.0


class DeploymentError(AssertionError):
    """A component failed, or something did not happen in time; the message carries the log tails."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process of another user reused the id
        return False
    return True


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Component:
    """One long-running `airflow <name>` process, leader of its own process group."""

    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: Mapping[str, str], cwd: Path) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pgid(self) -> int:
        assert self.process is not None
        return self.process.pid  # start_new_session: the leader's pid is the group id

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def describe(self) -> str:
        status = "running" if self.exited() is None else f"exited with {self.exited()}"
        return f"--- {self.name} ({status}), last lines of {self.log_path}:\n{_tail(self.log_path)}"


@dataclass
class Deployment:
    """Scheduler, triggerer, dag-processor and api-server sharing one SQLite DB in `home`.

    :param home: an empty directory, the AIRFLOW_HOME.
    :param bundles: DAG bundle name -> folder.
    :param extra_env: more environment for every component and CLI call (connections, DAG settings).
    """

    home: Path
    bundles: Mapping[str, Path]
    extra_env: Mapping[str, str] = field(default_factory=dict)
    api_port: int = field(default_factory=free_port)
    components: dict[str, Component] = field(default_factory=dict)
    cli_calls: int = 0

    def __post_init__(self) -> None:
        self.log_dir = self.home / "component-logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.home / "dags").mkdir(exist_ok=True)
        self.db_path = self.home / "airflow.db"
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        # Start from this process's environment without any Airflow setting of the unit tests' conftest.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
        base_url = f"http://127.0.0.1:{self.api_port}"
        bundle_config = [
            {
                "name": name,
                "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {"path": str(path), "refresh_interval": 0},
            }
            for name, path in self.bundles.items()
        ]
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.db_path}",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "2",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.home / "dags"),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__BASE_URL": base_url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
                "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundle_config),
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
                # On a busy 2-core machine the api-server can take over the default 5 s to answer a worker;
                # a timed-out call is retried and the task waits for nothing.
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    # Life cycle.

    def start(self, timeout: float = 120.0) -> None:
        self.cli("db", "migrate", timeout=timeout)
        argv = {
            "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1"],
            # No log servers: they bind every interface on fixed ports, and the task logs are local files.
            "scheduler": ["scheduler", "--skip-serve-logs"],
            "dag-processor": ["dag-processor"],
            "triggerer": ["triggerer", "--skip-serve-logs"],
        }
        for name in COMPONENTS:
            component = Component(name, [sys.executable, "-m", "airflow", *argv[name]], self.log_dir / f"{name}.log")
            self.components[name] = component
            component.start(self.env, self.home)
        self.wait_for(self._api_server_answers, timeout, "the api-server to answer on 127.0.0.1")
        self.wait_for(
            lambda: self._jobs_running({"SchedulerJob", "TriggererJob", "DagProcessorJob"}),
            timeout,
            "the scheduler, triggerer and dag-processor to register their jobs",
        )

    def stop(self) -> list[str]:
        """Stop every component's process group; return a description of any process that was left over."""
        for component in self.components.values():
            if component.process is not None and _group_exists(component.pgid):
                os.killpg(component.pgid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and any(self._live_groups()):
            time.sleep(0.2)
        for pgid in self._live_groups():
            os.killpg(pgid, signal.SIGKILL)
        for component in self.components.values():
            if component.process is not None:
                component.process.wait(timeout=10)
        return self._kill_strays()

    def _live_groups(self) -> list[int]:
        return [c.pgid for c in self.components.values() if c.process is not None and _group_exists(c.pgid)]

    def _kill_strays(self) -> list[str]:
        """SIGKILL any process still holding this AIRFLOW_HOME (one that left its group); describe them."""
        marker = f"AIRFLOW_HOME={self.home}\0".encode()
        strays = []
        for _ in range(5):  # a stray may have started another process meanwhile
            found = []
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit() or int(entry.name) == os.getpid():
                    continue
                try:
                    if marker not in (entry / "environ").read_bytes():
                        continue
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    state = next(
                        (line for line in (entry / "status").read_text().splitlines() if line.startswith("State:")), ""
                    )
                except OSError:
                    continue
                if "(zombie)" in state:
                    continue
                found.append(int(entry.name))
                strays.append(f"{entry.name}: {cmdline.strip()}")
            if not found:
                break
            for pid in found:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        return strays

    # Waiting and inspecting.

    def check_alive(self) -> None:
        dead = [c for c in self.components.values() if c.exited() is not None]
        if dead:
            raise DeploymentError("A component died:\n" + "\n".join(c.describe() for c in dead))

    def wait_for(self, probe: Callable[[], T], timeout: float, what: str, interval: float = 0.5) -> T:
        """Call `probe` until it returns something truthy; fail with every component's log tail on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                raise DeploymentError(
                    f"Timed out after {timeout:.0f} s waiting for {what}.\n" + self.describe_components()
                )
            time.sleep(interval)

    def describe_components(self) -> str:
        return "\n".join(c.describe() for c in self.components.values())

    def cli(self, *args: str, timeout: float = 120.0) -> str:
        """Run `airflow <args>` with the deployment's environment; return its output, fail on non-zero exit."""
        self.cli_calls += 1
        log_path = self.log_dir / f"cli-{self.cli_calls:02d}-{args[0]}-{args[1] if len(args) > 1 else ''}.log"
        try:
            result = subprocess.run(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                start_new_session=True,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise DeploymentError(f"`airflow {' '.join(args)}` took over {timeout:.0f} s") from error
        output = (result.stdout + result.stderr).decode(errors="replace")
        log_path.write_text(output)
        if result.returncode != 0:
            raise DeploymentError(f"`airflow {' '.join(args)}` exited with {result.returncode}:\n{output[-3000:]}")
        return output

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Read the metadata DB directly (read-only; the components keep writing to it)."""
        if not self.db_path.exists():
            return []
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            return db.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error) or "locked" in str(error):
                return []
            raise
        finally:
            db.close()

    def _jobs_running(self, job_types: set[str]) -> bool:
        rows = self.query("SELECT DISTINCT job_type FROM job WHERE state = 'running'")
        return job_types <= {row["job_type"] for row in rows}

    def _api_server_answers(self) -> bool:
        url = f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bool(response.status < 500)
        except urllib.error.HTTPError as error:
            return error.code < 500
        except OSError:
            return False

    def log_files(self) -> list[Path]:
        """Every file the deployment wrote logs to: task and trigger logs, component and CLI output."""
        return sorted(p for p in self.home.rglob("*") if p.is_file() and (p.suffix == ".log" or "log" in p.name))
