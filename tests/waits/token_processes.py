"""Several processes on one API token, as Airflow's 2 or 3 triggerers (or workers) are: each runs its own
hook, and so its own gate, and learns the server's remaining count only from its own answers.

Used by tests/waits/test_token_processes.py and benchmarks/token_processes.py.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProcessResult:
    """What one process did: requests answered, and failures by exception type name."""

    answered: int
    failures: dict[str, int]


def poll_for(connection_json: str, livestream_id: str, seconds: float, ready: Any, go: Any, results: Any) -> None:
    """
    Child process: once every process is ready, fetch one livestream again and again for ``seconds``, as
    fast as this process's gate allows, and put a :class:`ProcessResult` on ``results``.

    :param connection_json: the ``realtimekit`` connection, as ``AIRFLOW_CONN_*`` JSON.
    :param livestream_id: the livestream to fetch.
    :param seconds: how long to run.
    :param ready: a queue to say "ready" on (the imports of Airflow take seconds).
    :param go: an event set when every process is ready.
    :param results: a queue for the result.
    """
    os.environ["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = connection_json
    # A log line per request would only slow the child and flood the parent's output: results go by queue.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    from airflow_provider_realtimekit.exceptions import RealtimeKitError
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

    hook = RealtimeKitHook()
    hook.settings  # noqa: B018  (read the connection before the clock starts)
    ready.put(os.getpid())
    go.wait()
    answered, failures = 0, {}
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        try:
            hook.get_livestream(livestream_id)
            answered += 1
        except RealtimeKitError as error:
            failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
    results.put(ProcessResult(answered, failures))


def run_processes(processes: int, connection_json: str, livestream_id: str, seconds: float) -> list[ProcessResult]:
    """
    Run ``processes`` spawned children on one token for ``seconds``, started together; return what each did.

    :param processes: how many processes.
    :param connection_json: the connection every process uses.
    :param livestream_id: the livestream they fetch.
    :param seconds: how long they run together.
    """
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    children = [
        context.Process(target=poll_for, args=(connection_json, livestream_id, seconds, ready, go, results))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    try:
        for _ in children:
            ready.get(timeout=120)
        go.set()
        return [results.get(timeout=seconds + 60) for _ in children]
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
