"""Running every task type of the provider against one fault, and what each run is expected to do.

One *case* is a fault plus how long it lasts. ``run_case`` gives each task type an emulator of its own (so
each request log holds one task's requests), arms the same fault on all of them, runs the hook, the async
hook and the trigger directly (side by side in threads) and the Airflow tasks through one ``dag.test()`` of
``rel_matrix``, and returns what each did: outcome, error, the emulator's request log, and every place the
run could have written the token to.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import requests

from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitInvalidResponseError,
    RealtimeKitRateLimitError,
    RealtimeKitTransportError,
)
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from airflow_provider_realtimekit.testing import Fault, Polls, RealtimeKitEmulator, RequestRecord
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from tests.conftest import TOKEN
from tests.dags import reliability_dags as dags

# -- the task types ------------------------------------------------------------------------------------------

#: Task type -> column title in the summary table.
TASK_TYPES: dict[str, str] = {
    "hook": "hook",
    "async_hook": "async hook",
    "operator": "operator (dag.test)",
    "sensor_poke": "sensor poke (dag.test)",
    "sensor_reschedule": "sensor reschedule (dag.test)",
    "sensor_deferrable": "sensor deferrable (dag.test)",
    "trigger": "trigger",
    "usage": "usage pull (dag.test)",
}
DIRECT_TASKS = ("hook", "async_hook", "trigger")
ONE_SHOT = frozenset({"hook", "async_hook", "operator", "usage"})
#: The route each task type's first request goes to (where the fault is armed).
FIRST_ROUTE = {task: "livestreams" if task == "usage" else "livestream_session" for task in TASK_TYPES}

# -- the cases ------------------------------------------------------------------------------------------------

LIMITED_TIMES = 2  # a limited fault hits this many requests, then the API answers normally
LIMITED_ATTEMPTS = 3  # max_attempts while the fault is limited: the last attempt gets through
PERSISTENT_ATTEMPTS = 2  # max_attempts while the fault persists: small, since every attempt fails
BACKOFF_INITIAL = 0.01  # the connection extra that keeps back-off waits short
#: Each pause in an answer may last 1 s, the whole attempt 1.5 s (connect_timeout + read_timeout). The faults
#: below overrun these by 2x or more, and a healthy answer on a loaded 2-core CI machine (seen at 0.5 s) fits.
TIMEOUTS = {"connect_timeout": 0.5, "read_timeout": 1.0}


@dataclass(frozen=True)
class FaultCase:
    """
    A fault and how long it lasts.

    :param id: the pytest id.
    :param row: the summary table row.
    :param kind: ``limited`` (the first LIMITED_TIMES requests), ``persistent`` (every request) or ``lockout``
        (Cloudflare's rate-limit lockout, time-scaled: the task's first request exceeds the quota).
    :param fault: the injected fault (not for lockouts).
    :param error: what a one-shot task fails with when the fault persists.
    :param message: a fragment of that error's message.
    :param extras: connection extras on top of max_attempts, backoff_initial and retry_after_cap.
    :param retry_after: the ``retry-after`` the fault sends, in seconds.
    :param lockout_seconds: how long the lockout lasts.
    :param retry_after_cap: the connection's ``retry_after_cap``.
    :param settle: seconds after the run during which abandoned requests may still reach the request log.
    """

    id: str
    row: str
    kind: Literal["limited", "persistent", "lockout"]
    fault: Fault | None = None
    error: type[Exception] | None = None
    message: str = ""
    extras: Mapping[str, Any] = field(default_factory=dict)
    retry_after: float = 0.0
    lockout_seconds: float = 0.0
    retry_after_cap: float = 60.0
    settle: float = 0.0

    @property
    def attempts(self) -> int:
        return PERSISTENT_ATTEMPTS if self.kind == "persistent" else LIMITED_ATTEMPTS

    @property
    def one_shot_gives_up(self) -> bool:
        return self.kind == "persistent" or self.lockout_seconds > self.retry_after_cap


def _limited_and_persistent(
    key: str, row: str, fault: Fault, error: type[Exception], message: str, **more: Any
) -> list[FaultCase]:
    return [
        FaultCase(f"{key}-limited", f"{row}, limited", "limited", fault, error, message, **more),
        FaultCase(f"{key}-persistent", f"{row}, persistent", "persistent", fault, error, message, **more),
    ]


CASES: list[FaultCase] = [
    *_limited_and_persistent(
        "429",
        "429 + `retry-after: 0.5`",
        Fault.status(429, envelope="cloudflare", retry_after=0.5),
        RealtimeKitRateLimitError,
        "rate-limited",
        retry_after=0.5,
    ),
    FaultCase(
        "lockout-under-cap", "lockout of 1 s, `retry_after_cap` 2 s", "lockout", lockout_seconds=1, retry_after_cap=2
    ),
    FaultCase(
        "lockout-over-cap",
        "lockout of 1 s, `retry_after_cap` 0.5 s",
        "lockout",
        error=RealtimeKitRateLimitError,
        message="rate-limited",
        lockout_seconds=1,
        retry_after_cap=0.5,
    ),
    # Each 5xx status once limited and once persistent, each time in the other envelope, so every status
    # meets both envelopes and both envelopes meet both outcomes.
    *(
        FaultCase(
            f"{code}-{envelope}-{kind}",
            f"{code}, {envelope} envelope, {kind}",
            kind,
            Fault.status(code, envelope=envelope),
            RealtimeKitAPIError,
            f"HTTP {code}",
        )
        for code, first, second in (
            (500, "realtimekit", "cloudflare"),
            (502, "cloudflare", "realtimekit"),
            (503, "realtimekit", "cloudflare"),
            (504, "cloudflare", "realtimekit"),
        )
        for kind, envelope in (("limited", first), ("persistent", second))
    ),
    *_limited_and_persistent(
        "html", "HTML error page (502)", Fault.html(502), RealtimeKitInvalidResponseError, "not JSON"
    ),
    *_limited_and_persistent(
        "truncated", "truncated JSON (200)", Fault.truncated_json(), RealtimeKitInvalidResponseError, "not JSON"
    ),
    *_limited_and_persistent(
        "success-false", "`success: false` on a 200", Fault.success_false(), RealtimeKitAPIError, "HTTP 500"
    ),
    *_limited_and_persistent("drop", "dropped connection", Fault.drop(), RealtimeKitTransportError, "Could not reach"),
    *_limited_and_persistent(
        "read-timeout",
        "read timeout (answer after 2 s, `read_timeout` 1 s)",
        Fault.delay(2.0),
        RealtimeKitTransportError,
        "did not answer",
        extras=TIMEOUTS,
        settle=2.0,
    ),
    *_limited_and_persistent(
        "slow-drip",
        "slow drip (body over 3 s in 0.3 s pauses)",
        Fault.slow_drip(3.0),
        RealtimeKitTransportError,
        "did not answer",
        extras=TIMEOUTS,
    ),
    *_limited_and_persistent(
        "stalled-body",
        "stalled body (2 s pauses, `read_timeout` 1 s)",
        Fault.slow_drip(20),
        RealtimeKitTransportError,
        "did not answer",
        extras=TIMEOUTS,
    ),
]


@dataclass(frozen=True)
class Expected:
    """
    What one task type does under one case.

    :param succeeds: whether the task ends well.
    :param requests: the exact number of requests the retry policy allows; None when it depends on timing
        (the reschedule sensor polls until its timeout).
    :param error: the class name the task fails with.
    :param fragments: parts of the error message.
    """

    succeeds: bool
    requests: int | None
    error: str | None = None
    fragments: tuple[str, ...] = ()


def expected(case: FaultCase, task: str) -> Expected:
    attempts = case.attempts
    sessions_page = 1 if task == "usage" else 0  # after the livestream list, the livestream's sessions
    # The deferrable sensor's first poll (before it defers) is let through, so the fault meets the trigger.
    clean = 1 if task == "sensor_deferrable" and case.kind != "lockout" else 0
    if case.kind == "limited":
        return Expected(True, clean + LIMITED_TIMES + 1 + sessions_page)
    if case.kind == "lockout":
        if task in ONE_SHOT:
            if case.one_shot_gives_up:
                return Expected(False, 1, "RealtimeKitRateLimitError", ("rate-limited",))
            return Expected(True, 2 + sessions_page)  # refused, waited out, answered
        # Waiters: refused, then answered after the lockout; the deferrable sensor's session is still live
        # at its first answer, so its trigger polls once more.
        return Expected(True, 3 if task == "sensor_deferrable" else 2)
    assert case.error is not None
    if task in ONE_SHOT:
        return Expected(False, attempts, case.error.__name__, (case.message,))
    if task == "sensor_reschedule":
        return Expected(False, None, "AirflowSensorTimeout", ("timed out",))
    polls = dags.MAX_CONSECUTIVE_FAILURES + 1
    return Expected(
        False,
        clean + polls * attempts,
        "RealtimeKitWaitError",
        ("max_consecutive_failures=1", case.message),
    )


def min_gap_after(case: FaultCase, refused: RequestRecord, first_refusal: RequestRecord) -> float:
    """The ``retry-after`` the emulator sent with a 429: the least time before the next request."""
    if case.kind == "lockout":
        locked_until = first_refusal.time + case.lockout_seconds
        return max(1.0, math.ceil(locked_until - refused.time - 1e-6))
    return case.retry_after


# -- what a run leaves -----------------------------------------------------------------------------------------


@dataclass
class TaskOutcome:
    """
    What one task type did.

    :param succeeded: whether it ended well.
    :param value: its result (payload, trigger event, XCom).
    :param error: the exception it failed with, if any.
    :param error_type: that exception's class name (for the trigger: the event's ``error_type``).
    :param message: that exception's message.
    :param requests: its emulator's request log.
    :param evidence: (where, value) pairs of everything that must not hold the token.
    :param reschedules: (end of the poke, date it asked to be rescheduled to) per reschedule, in epoch seconds.
    """

    succeeded: bool
    value: Any = None
    error: BaseException | None = None
    error_type: str | None = None
    message: str = ""
    requests: list[RequestRecord] = field(default_factory=list)
    evidence: list[tuple[str, Any]] = field(default_factory=list)
    reschedules: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class CaseRun:
    outcomes: dict[str, TaskOutcome]
    output: str
    failure: BaseException | None = None


def exception_texts(error: BaseException) -> list[str]:
    """Everything an error reporter could print: the traceback and every chained exception."""
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), repr(seen.args), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    return texts


def request_urls(records: list[RequestRecord]) -> list[str]:
    return [f"{r.path}?{json.dumps(r.query)}" for r in records]


# -- emulators and connections -----------------------------------------------------------------------------


class EmulatorPool:
    """One emulator per task type, started once per session and reset between cases."""

    def __init__(self) -> None:
        self.emulators = {task: RealtimeKitEmulator(token=TOKEN, port=0) for task in TASK_TYPES}
        for emulator in self.emulators.values():
            emulator.start()

    def close(self) -> None:
        for emulator in self.emulators.values():
            emulator.stop()


def conn_id_of(task: str) -> str:
    return f"rel_{task}"


@contextmanager
def connections(pool: EmulatorPool, case: FaultCase) -> Iterator[None]:
    """Point ``rel_<task>`` at each task's emulator, with the case's extras, for the duration of the run."""
    saved: dict[str, str | None] = {}
    for task, emulator in pool.emulators.items():
        conn = emulator.connection()
        conn["extra"].update(
            max_attempts=case.attempts,
            backoff_initial=BACKOFF_INITIAL,
            retry_after_cap=case.retry_after_cap,
            **case.extras,
        )
        name = f"AIRFLOW_CONN_{conn_id_of(task).upper()}"
        saved[name] = os.environ.get(name)
        os.environ[name] = json.dumps(conn)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def arm(emulator: RealtimeKitEmulator, task: str, case: FaultCase) -> None:
    """Seed the emulator's data and arm the case's fault on it."""
    livestream = emulator.add_livestream(name="studio", id="rel-ls", created="2026-02-01T00:00:00Z")
    if task == "usage":
        emulator.add_session(
            livestream["id"], id="rel-usage-session", started="2026-03-01T01:00:00Z", stopped="2026-03-01T02:00:00Z"
        )
    else:
        # The deferrable sensor sees the session live once, so it defers; every other task sees it stopped.
        polls_live = 1 if task == "sensor_deferrable" else 0
        emulator.add_session(livestream["id"], id=dags.SESSION_ID, stops_after=Polls(polls_live))
    if case.kind == "lockout":
        _spend_quota(emulator, case.lockout_seconds)
        return
    assert case.fault is not None
    route = FIRST_ROUTE[task]
    if task == "sensor_deferrable":
        emulator.inject_fault(route, Fault.delay(0), times=1)  # its first poll passes untouched
    emulator.inject_fault(route, case.fault, times=LIMITED_TIMES if case.kind == "limited" else None)


def _spend_quota(emulator: RealtimeKitEmulator, lockout_seconds: float, quota: int = 5) -> None:
    """Use up the token's quota, so the task's first request starts a lockout of ``lockout_seconds``."""
    emulator.set_rate_limit(quota, window=3600, lockout=True, lockout_seconds=lockout_seconds)
    with requests.Session() as session:
        for _ in range(quota):
            answer = session.get(f"{emulator.app_url}/livestreams", headers={"Authorization": f"Bearer {TOKEN}"})
            assert answer.status_code == 200
    emulator.clear_requests()


# -- running a case ----------------------------------------------------------------------------------------------


def run_case(pool: EmulatorPool, case: FaultCase, usage_path: Path, read_output: Callable[[], str]) -> CaseRun:
    for task, emulator in pool.emulators.items():
        emulator.reset()
        arm(emulator, task, case)
    dags.FAILURES.clear()
    with connections(pool, case), ThreadPoolExecutor(len(DIRECT_TASKS)) as threads:
        # The direct runs wait in threads while dag.test() runs the Airflow tasks: every connection is an
        # environment variable, so no thread needs the task supervisor that dag.test() sets up.
        direct = {task: threads.submit(_run_direct, task) for task in DIRECT_TASKS}
        outcomes = _run_dag(usage_path)
        outcomes.update({task: future.result() for task, future in direct.items()})
    for task, outcome in outcomes.items():
        outcome.requests = _settled_log(pool.emulators[task], case, expected(case, task).requests)
    return CaseRun(outcomes, read_output())


def _settled_log(emulator: RealtimeKitEmulator, case: FaultCase, count: int | None) -> list[RequestRecord]:
    """
    The emulator's request log once complete: a request the client abandoned (read timeout) is logged only
    when its delayed answer is due, up to ``case.settle`` seconds after the task gave up.
    """
    deadline = time.monotonic() + case.settle + 0.5
    while case.settle and time.monotonic() < deadline and len(emulator.requests) < (count or 0):
        time.sleep(0.05)
    if case.settle and count is None:
        time.sleep(max(deadline - time.monotonic(), 0))
    return emulator.requests


def _run_direct(task: str) -> TaskOutcome:
    runner = {"hook": _run_hook, "async_hook": _run_async_hook, "trigger": _run_trigger}[task]
    return runner(conn_id_of(task))


def _run_hook(conn_id: str) -> TaskOutcome:
    hook = RealtimeKitHook(conn_id)
    try:
        outcome = TaskOutcome(True, hook.get_livestream_session(dags.SESSION_ID))
    except Exception as error:
        outcome = _failed(error)
    finally:
        hook.close()
    outcome.evidence += [("repr", repr(hook)), ("repr", str(hook)), ("return value", outcome.value)]
    return outcome


def _run_async_hook(conn_id: str) -> TaskOutcome:
    hook = RealtimeKitAsyncHook(conn_id)

    async def fetch() -> Any:
        async with hook:
            return await hook.get_livestream_session(dags.SESSION_ID)

    try:
        outcome = TaskOutcome(True, asyncio.run(fetch()))
    except Exception as error:
        outcome = _failed(error)
    outcome.evidence += [("repr", repr(hook)), ("repr", str(hook)), ("return value", outcome.value)]
    return outcome


def _run_trigger(conn_id: str) -> TaskOutcome:
    trigger = RealtimeKitLivestreamSessionTrigger(
        dags.SESSION_ID,
        conn_id,
        poll_interval=dags.POKE_INTERVAL,
        deadline=time.time() + 30,
        max_consecutive_failures=dags.MAX_CONSECUTIVE_FAILURES,
    )

    async def first_event() -> dict[str, Any]:
        events = trigger.run()
        event = await events.__anext__()
        await events.aclose()
        return event.payload

    event = asyncio.run(first_event())
    outcome = TaskOutcome(
        event["status"] == "success",
        event,
        error_type=event.get("error_type"),
        message=str(event.get("message", "")),
    )
    outcome.evidence += [
        ("repr", repr(trigger)),
        ("repr", str(trigger)),
        ("trigger kwargs", json.dumps(trigger.serialize())),
        ("trigger event", json.dumps(event, default=str)),
    ]
    return outcome


def _failed(error: BaseException) -> TaskOutcome:
    return TaskOutcome(
        False,
        error=error,
        error_type=type(error).__name__,
        message=str(error),
        evidence=[("exception", exception_texts(error))],
    )


def _run_dag(usage_path: Path) -> dict[str, TaskOutcome]:
    dag_run = dags.matrix_dag.test(run_conf={"usage_path": str(usage_path)})
    failures = {task_id: error for run_id, task_id, _, error in dags.FAILURES if run_id == dag_run.run_id}
    rendered = _rendered_fields(dag_run.run_id)
    outcomes = {}
    for task in dags.MATRIX_TASKS:
        ti = dag_run.get_task_instance(task)
        state = str(getattr(ti.state, "value", ti.state))
        error = failures.get(task)
        outcome = _failed(error) if error is not None else TaskOutcome(state == "success")
        outcome.succeeded = state == "success"
        outcome.value = ti.xcom_pull(task_ids=task)
        outcome.evidence += [
            ("XCom", outcome.value),
            ("XCom", ti.xcom_pull(task_ids=task, key="session")),
            ("rendered field", rendered.get(task)),
            ("trigger kwargs", ti.next_kwargs),
        ]
        outcome.reschedules = _reschedules(ti.id)
        outcomes[task] = outcome
    return outcomes


def _rendered_fields(run_id: str) -> dict[str, Any]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(RenderedTaskInstanceFields).filter_by(dag_id="rel_matrix", run_id=run_id).all()
        return {row.task_id: row.rendered_fields for row in rows}


def _reschedules(ti_id: Any) -> list[tuple[float, float]]:
    # What the sensor asked Airflow for; dag.test() itself only reruns it at one-second steps, between the
    # other tasks, which could hide a reschedule asked too early.
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskReschedule).filter_by(ti_id=ti_id).order_by(TaskReschedule.id).all()
        return [(row.end_date.timestamp(), row.reschedule_date.timestamp()) for row in rows]


def stored_trigger_kwargs() -> list[Any]:
    """The kwargs of every trigger row in the metadata DB (written when a task defers)."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    with create_session() as session:
        return [trigger.kwargs for trigger in session.query(Trigger).all()]
