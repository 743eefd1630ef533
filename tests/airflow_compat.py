"""What differs between the Airflow versions the suite runs on (`make test` newest, `make test-oldest` oldest).

The provider's own version differences live in ``airflow_provider_realtimekit/_compat.py``; these are the
test harness's, in one place:

- ``get_listener_manager``: the manager the task runner reports to moved into the Task SDK in 3.2.
- ``share_in_process_execution_api``: before 3.2, ``dag.test()`` builds a new in-process Execution API
  (a FastAPI app, its pydantic schemas and an event-loop thread that is never stopped) for every task
  instance it runs. A test that runs a few hundred mapped task instances then spends minutes building apps
  and holds gigabytes of leaked threads. Airflow 3.2 caches the one in-process API
  (``functools.lru_cache`` on ``supervisor.in_process_api_server``); this applies the same cache on older
  releases. It changes how ``dag.test()`` reaches the metadata DB, not what a task does.
- ``NEEDS_AIRFLOW``: tests whose expectation holds only from some Airflow on.
"""

from __future__ import annotations

import functools
from importlib.metadata import version

try:  # Airflow >= 3.2: the Task SDK's own listener manager
    from airflow.sdk.listener import get_listener_manager
except ImportError:  # Airflow 3.1
    from airflow.listeners.listener import get_listener_manager  # type: ignore[no-redef]

__all__ = [
    "AIRFLOW_VERSION",
    "NEEDS_AIRFLOW",
    "airflow_older_than",
    "get_listener_manager",
    "share_in_process_execution_api",
]

#: The installed Airflow (core) as (major, minor).
AIRFLOW_VERSION: tuple[int, int] = tuple(int(part) for part in version("apache-airflow-core").split(".")[:2])  # type: ignore[assignment]

#: Tests whose expectation holds from this Airflow on, and why older releases (down to the oldest supported
#: one, `make test-oldest`) differ. Matched by test function name; they are expected to fail before it.
NEEDS_AIRFLOW: dict[str, tuple[tuple[int, int], str]] = {
    "test_extra_that_is_not_a_json_object_is_refused": (
        (3, 2),
        "Airflow < 3.2 refuses such a connection itself (the env-var backend drops it: 'isn't defined'), "
        "so the hook never sees it",
    ),
}


def airflow_older_than(release: tuple[int, int]) -> bool:
    """Whether the installed Airflow is older than ``release`` (major, minor)."""
    return release > AIRFLOW_VERSION


def share_in_process_execution_api() -> None:
    """Give ``dag.test()`` one in-process Execution API per process, as Airflow >= 3.2 does."""
    from airflow.sdk.execution_time import supervisor

    if not hasattr(supervisor.in_process_api_server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)
