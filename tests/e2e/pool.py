"""The deployments the end-to-end tests share: one per metadata DB backend, one running at a time.

A test asks for a stack (a running `Deployment` and the emulator its `realtimekit_default` connection
points at) through the fixtures in `conftest.py`; every test of the same backend gets the same one, so a
new test adds runs, not deployments. Asking for the other backend first stops the running stack: on two
cores an idle Airflow (scheduler loop, dag-processor, triggerers) takes CPU from the one under test. Every
stack is stopped after the last end-to-end test, and a process that outlived its group fails that teardown.

To load more DAGs in every deployment, add their folder to DAG_FOLDERS; to give them settings, DAG_ENV.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.e2e.deployment import Deployment

REPO = Path(__file__).resolve().parents[2]
#: DAG bundle name -> folder, loaded by every deployment.
DAG_FOLDERS: dict[str, Path] = {
    "example-dags": REPO / "example_dags",
    "e2e-dags": Path(__file__).resolve().parent / "dags",
}
#: Seconds between polls for the DAGs that read REALTIMEKIT_POKE_INTERVAL (the example DAGs).
POKE_INTERVAL = 1.0
#: Environment the DAGs read when they are parsed (every component shares it).
DAG_ENV: dict[str, str] = {
    "REALTIMEKIT_POKE_INTERVAL": f"{POKE_INTERVAL:g}",
    # The session-ended watcher of example_dags/realtimekit_session_ended.py (runs only once unpaused).
    "REALTIMEKIT_WATCH_INTERVAL": "5",
}
#: The API token of every stack's emulator; distinctive, so that a leak cannot hide among other strings.
TOKEN = f"rtk-e2e-token-{secrets.token_hex(10)}"


@dataclass(frozen=True)
class StackSpec:
    """How a backend's deployment is built.

    :param backend: the metadata DB, `sqlite` or `postgres`.
    :param triggerers: how many triggerers run (production runs 2 or 3 for high availability).
    :param parallelism: the LocalExecutor's task slots.
    """

    backend: str
    triggerers: int
    parallelism: int = 2


SPECS = {
    "sqlite": StackSpec("sqlite", triggerers=1),
    # PostgreSQL, as production Airflow uses, with two triggerers sharing the deferred tasks. Four task
    # slots: a fleet of mapped sensors starts (and resumes) one task per wait, each mostly waiting on I/O.
    "postgres": StackSpec("postgres", triggerers=2, parallelism=4),
}


@dataclass
class Stack:
    """A running deployment and its emulator."""

    spec: StackSpec
    deployment: Deployment
    emulator: RealtimeKitEmulator


class StackPool:
    """Starts a backend's stack on first use and keeps it for later tests; one stack runs at a time.

    :param tmp_path_factory: pytest's, for each stack's AIRFLOW_HOME.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._running: Stack | None = None
        self.strays: list[str] = []

    def get(self, backend: str) -> Stack:
        """The running stack of `backend`, started (after stopping another backend's) if need be."""
        if self._running is not None and self._running.spec.backend == backend:
            return self._running
        self.close()
        spec = SPECS[backend]
        emulator = RealtimeKitEmulator(token=TOKEN, port=0).start()
        deployment = Deployment(
            home=self._tmp_path_factory.mktemp(f"airflow-home-{backend}"),
            bundles=DAG_FOLDERS,
            extra_env={**emulator.connection_env(), **DAG_ENV},
            backend=spec.backend,
            triggerers=spec.triggerers,
            parallelism=spec.parallelism,
        )
        try:
            deployment.start()
        except BaseException:
            self._stop(Stack(spec, deployment, emulator))
            raise
        self._running = Stack(spec, deployment, emulator)
        return self._running

    def close(self) -> None:
        """Stop the running stack, if any; processes that had to be killed are added to `strays`."""
        if self._running is not None:
            stack, self._running = self._running, None
            self._stop(stack)

    def _stop(self, stack: Stack) -> None:
        try:
            self.strays += [f"{stack.spec.backend}: {stray}" for stray in stack.deployment.stop()]
        finally:
            with contextlib.suppress(Exception):
                stack.emulator.stop()
