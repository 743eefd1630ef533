"""A real Airflow deployment on loopback, for the end-to-end tests.

`airflow db migrate` in a fresh AIRFLOW_HOME (SQLite, or a throwaway PostgreSQL server: see
`metadata_db.py`), then the api-server, scheduler, dag-processor and one or more triggerers, each a
`Component` (own process group, own log file). Every wait is bounded and checks that the components are
still alive, so a component that fails to start or dies fails the test with its log tail instead of a hang.
A test may stop, kill or restart one component (`stop_component`, `kill`, `restart`), for example one of
two triggerers. `stop()` ends every process group (SIGTERM, then SIGKILL after a grace period), looks
through /proc for any process still carrying this AIRFLOW_HOME, and stops the metadata DB.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.airflow_compat import airflow_older_than
from tests.e2e import loop_stalls
from tests.e2e.components import STOP_GRACE, Component, DeploymentError, free_port
from tests.e2e.metadata_db import MetadataDB, Row, metadata_db_for

T = TypeVar("T")

__all__ = ["Deployment", "DeploymentError"]

#: The job type each kind of component registers in the `job` table.
JOB_TYPES = {"scheduler": "SchedulerJob", "dag-processor": "DagProcessorJob", "triggerer": "TriggererJob"}


@dataclass
class Deployment:
    """Scheduler, dag-processor, api-server and `triggerers` triggerers sharing one metadata DB.

    :param home: an empty directory, the AIRFLOW_HOME.
    :param bundles: DAG bundle name -> folder.
    :param extra_env: more environment for every component and CLI call (connections, DAG settings).
    :param backend: the metadata DB, `sqlite` or `postgres`.
    :param triggerers: how many triggerers; they are named `triggerer-1`, `triggerer-2`, ...
    :param parallelism: `[core] parallelism`, the LocalExecutor's task slots.
    """

    home: Path
    bundles: Mapping[str, Path]
    extra_env: Mapping[str, str] = field(default_factory=dict)
    backend: str = "sqlite"
    triggerers: int = 1
    parallelism: int = 2
    api_port: int = field(default_factory=free_port)
    components: dict[str, Component] = field(default_factory=dict)
    cli_calls: int = 0

    def __post_init__(self) -> None:
        self.log_dir = self.home / "component-logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.home / "dags").mkdir(exist_ok=True)
        self.metadata_db: MetadataDB = metadata_db_for(self.backend, self.home, self.log_dir)
        self.env: dict[str, str] = {}

    @property
    def triggerer_names(self) -> list[str]:
        return [f"triggerer-{number}" for number in range(1, self.triggerers + 1)]

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
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_db.url,
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
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
        if airflow_older_than((3, 3)):
            # Airflow 3.1's get_fernet() sets an attribute on cryptography's MultiFernet, which cryptography 51
            # (a Rust class there) refuses: the first encryption in each process raises AttributeError, and
            # the dag-processor dies writing an asset watcher's trigger. No key: values are stored unencrypted.
            env["AIRFLOW__CORE__FERNET_KEY"] = ""
        env.update(self.extra_env)
        return env

    def loop_stalls_dir(self, name: str) -> Path:
        """Where a triggerer's processes record their event loop's stalls (see `tests/e2e/loop_stalls`)."""
        return self.log_dir / "loop-stalls" / name

    def component_env(self, name: str) -> dict[str, str]:
        """The environment of one component: triggerers also record their event loop's stalls."""
        if not name.startswith("triggerer"):
            return self.env
        return {**self.env, **loop_stalls.environment(self.loop_stalls_dir(name), self.env.get("PYTHONPATH"))}

    # Life cycle.

    def start(self, timeout: float = 120.0) -> None:
        self.metadata_db.start()
        self.env = self._environment()
        self.cli("db", "migrate", timeout=timeout)
        argv = {
            "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1"],
            # No log servers: they bind every interface on fixed ports, and the task logs are local files.
            "scheduler": ["scheduler", "--skip-serve-logs"],
            "dag-processor": ["dag-processor"],
            **{name: ["triggerer", "--skip-serve-logs"] for name in self.triggerer_names},
        }
        for name, args in argv.items():
            component = Component(name, [sys.executable, "-m", "airflow", *args], self.log_dir / f"{name}.log")
            self.components[name] = component
            component.start(self.component_env(name), self.home)
        self.wait_for(self._api_server_answers, timeout, "the api-server to answer on 127.0.0.1")
        expected = {"SchedulerJob": 1, "DagProcessorJob": 1, "TriggererJob": self.triggerers}
        self.wait_for(
            lambda: all(self._running_jobs(job_type) >= n for job_type, n in expected.items()),
            timeout,
            f"the scheduler, {self.triggerers} triggerer(s) and the dag-processor to register their jobs",
        )

    def stop(self) -> list[str]:
        """Stop every component and the metadata DB; return a description of any process that was left over."""
        try:
            for component in self.components.values():
                if component.running_group():
                    os.killpg(component.pgid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE
            while time.monotonic() < deadline and any(c.running_group() for c in self.components.values()):
                time.sleep(0.2)
            for component in self.components.values():
                if component.running_group():
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(component.pgid, signal.SIGKILL)
            for component in self.components.values():
                if component.process is not None:
                    component.process.wait(timeout=10)
            return self._kill_strays()
        finally:
            self.metadata_db.stop()

    # One component at a time (for example one of two triggerers).

    def stop_component(self, name: str, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop one component's process group; it no longer counts as dead for `check_alive`.

        :param name: a key of `components`, e.g. `triggerer-2`.
        :param sig: SIGTERM for a graceful stop (SIGKILL follows after the grace period).
        """
        self.components[name].stop(sig)

    def kill(self, name: str) -> None:
        """SIGKILL one component's process group: a crash, without any clean-up (its job stays `running`)."""
        self.stop_component(name, signal.SIGKILL)

    def start_component(self, name: str, timeout: float = 120.0) -> None:
        """Start a stopped component again (its log file is appended to) and wait until its new job runs."""
        job_type = self._job_type(name)
        known = self._newest_job_id(job_type) if job_type else 0
        self.components[name].start(self.component_env(name), self.home)
        if job_type:
            self.wait_for(
                lambda: self._newest_job_id(job_type, state="running") > known,
                timeout,
                f"the restarted {name} to register a new {job_type}",
            )

    def restart(self, name: str, sig: signal.Signals = signal.SIGTERM, timeout: float = 120.0) -> None:
        """Stop one component with `sig` (SIGKILL for a crash), start it again, wait until its new job runs."""
        self.stop_component(name, sig)
        self.start_component(name, timeout)

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
        dead = [c for c in self.components.values() if c.dead()]
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
        return "\n".join([*(c.describe() for c in self.components.values()), self.metadata_db.describe()])

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

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Read the metadata DB directly (`?` placeholders; rows read like dicts) while the components write."""
        return self.metadata_db.query(sql, params)

    @staticmethod
    def _job_type(name: str) -> str | None:
        return JOB_TYPES.get(name.rsplit("-", 1)[0] if name.startswith("triggerer-") else name)

    def _running_jobs(self, job_type: str) -> int:
        rows = self.query("SELECT COUNT(*) AS n FROM job WHERE state = 'running' AND job_type = ?", (job_type,))
        return int(rows[0]["n"]) if rows else 0

    def _newest_job_id(self, job_type: str, state: str | None = None) -> int:
        sql = "SELECT MAX(id) AS newest FROM job WHERE job_type = ?" + (" AND state = ?" if state else "")
        rows = self.query(sql, (job_type, state) if state else (job_type,))
        return int(rows[0]["newest"] or 0) if rows else 0

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
