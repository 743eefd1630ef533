"""The metadata DB behind an end-to-end deployment: SQLite in AIRFLOW_HOME, or a throwaway PostgreSQL server.

Both give Airflow its `sql_alchemy_conn` and let the tests read the DB directly while the components keep
writing to it. Queries are written once, with `?` placeholders, and return rows that read like dicts
(`row["state"]`) on either backend. A table that does not exist yet (before `airflow db migrate` has run)
reads as no rows.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from tests.e2e.postgres import PostgresServer

Row = Mapping[str, Any]

BACKENDS = ("sqlite", "postgres")


class MetadataDB(Protocol):
    """What a deployment needs of its metadata DB."""

    backend: str

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

    def describe(self) -> str: ...


class SqliteMetadataDB:
    """A SQLite file; Airflow creates it on `db migrate`.

    :param path: the DB file.
    """

    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop; the file goes with the test's temporary directory."""

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Read the DB (read-only; the components keep writing to it)."""
        if not self.path.exists():
            return []
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            return db.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error) or "locked" in str(error):
                return []
            raise
        finally:
            db.close()

    def describe(self) -> str:
        return f"--- metadata DB: SQLite at {self.path}"


class PostgresMetadataDB:
    """A PostgreSQL server started for the deployment and removed with it.

    :param log_path: where the server's output goes.
    """

    backend = "postgres"

    def __init__(self, log_path: Path) -> None:
        self.server = PostgresServer(log_path)
        # One connection for the test's reads, shared by the test and its watcher thread.
        self._connection: Any = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
        self.server.stop()

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Read the DB in autocommit mode, so that every query sees what the components committed."""
        import psycopg2
        import psycopg2.errors
        import psycopg2.extras

        with self._lock:
            for attempt in range(2):
                if self._connection is None or self._connection.closed:
                    self._connection = self.server.connect()
                    self._connection.autocommit = True
                try:
                    with self._connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                        cursor.execute(sql.replace("?", "%s"), tuple(params))
                        return list(cursor.fetchall())
                except psycopg2.errors.UndefinedTable:
                    return []
                except psycopg2.OperationalError:
                    # The connection broke (a server restart, a killed backend): one fresh try.
                    self._connection.close()
                    self._connection = None
                    if attempt:
                        raise
        return []  # pragma: no cover - the loop returns or raises

    def describe(self) -> str:
        return self.server.describe()


def metadata_db_for(backend: str, home: Path, log_dir: Path) -> MetadataDB:
    """The metadata DB of a deployment in `home`, logging to `log_dir`.

    :param backend: one of BACKENDS.
    """
    if backend == "sqlite":
        return SqliteMetadataDB(home / "airflow.db")
    if backend == "postgres":
        return PostgresMetadataDB(log_dir / "postgres.log")
    raise ValueError(f"unknown metadata DB backend {backend!r}; use one of {BACKENDS}")
