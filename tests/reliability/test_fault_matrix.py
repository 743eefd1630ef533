"""The fault matrix: every task type of the provider against every fault, over real HTTP to the emulator.

A cell asserts the outcome (success after retries while the fault is limited; the named error with a clear
message once it persists), the exact number of requests the retry policy allows, that every wait after a
429 lasted at least its ``retry-after``, and that the token reached none of the places the run wrote to.
The cells of one case share one run (see ``harness.run_case``): the first cell runs it, the others read it.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from tests.dags import reliability_dags as dags
from tests.reliability.harness import (
    CASES,
    TASK_TYPES,
    CaseRun,
    EmulatorPool,
    Expected,
    FaultCase,
    TaskOutcome,
    expected,
    min_gap_after,
    request_urls,
    run_case,
    stored_trigger_kwargs,
)

CELLS = [(case, task) for case in CASES for task in TASK_TYPES]
_RUNS: dict[str, CaseRun] = {}


@pytest.fixture(scope="session")
def emulator_pool() -> Iterator[EmulatorPool]:
    pool = EmulatorPool()
    yield pool
    pool.close()


@pytest.fixture
def case_run(emulator_pool, airflow_db, capfd, caplog, tmp_path, reliability) -> Callable[[FaultCase], CaseRun]:
    """The run of a case: made by the first of its cells (whose output is searched), then reused."""
    caplog.set_level(logging.INFO)

    def read_output() -> str:
        out, err = capfd.readouterr()
        return out + err + caplog.text

    def get(case: FaultCase) -> CaseRun:
        if case.id not in _RUNS:
            try:
                _RUNS[case.id] = run_case(emulator_pool, case, tmp_path / "usage.jsonl", read_output)
            except Exception as error:  # every cell of the case reports it
                _RUNS[case.id] = CaseRun({}, "", failure=error)
                raise
            reliability.no_token(f"stdout/stderr and logs: {case.id}", _RUNS[case.id].output)
            reliability.no_token(f"trigger kwargs: stored, {case.id}", json.dumps(stored_trigger_kwargs(), default=str))
        run = _RUNS[case.id]
        if run.failure is not None:
            raise run.failure
        return run

    return get


@pytest.mark.parametrize(("case", "task"), CELLS, ids=[f"{case.id}-{task}" for case, task in CELLS])
def test_fault_cell(case: FaultCase, task: str, case_run, reliability) -> None:
    reliability.cell(case.row, TASK_TYPES[task])
    outcome = case_run(case).outcomes[task]
    want = expected(case, task)
    seen = _describe(outcome)

    assert outcome.succeeded is want.succeeds, seen
    if want.succeeds:
        _assert_result(task, outcome)
    else:
        assert outcome.error_type == want.error, seen
        for fragment in want.fragments:
            assert fragment in outcome.message, seen
    _assert_request_count(case, want, outcome.requests, seen)
    _assert_retry_after_honoured(case, outcome, seen)
    for where, value in outcome.evidence:
        reliability.no_token(f"{where}: {case.id}/{task}", value)
    reliability.no_token(f"request URL: {case.id}/{task}", request_urls(outcome.requests))


def _assert_result(task: str, outcome: TaskOutcome) -> None:
    value = outcome.value
    if task == "usage":
        assert value["rows"] == 1
        assert value["api_requests"] == len(outcome.requests)  # the operator's own count agrees
        return
    session = value["session"] if task == "trigger" else value
    assert session["id"] == dags.SESSION_ID
    assert session["stopped_time"]


def _assert_request_count(case: FaultCase, want: Expected, records: list, seen: str) -> None:
    if want.requests is not None:
        assert len(records) == want.requests, seen
        return
    # The reschedule sensor polls until its timeout: whole pokes of `attempts` requests each, spaced by at
    # least the poke interval (no hot loop), however many fit in the timeout.
    attempts = case.attempts
    assert len(records) >= attempts and len(records) % attempts == 0, seen
    for first in range(attempts, len(records), attempts):
        assert records[first].time - records[first - 1].time >= dags.POKE_INTERVAL, seen


def _assert_retry_after_honoured(case: FaultCase, outcome: TaskOutcome, seen: str) -> None:
    records = outcome.requests
    refusals = [record for record in records if record.status == 429]
    for before, after in itertools.pairwise(records):
        if before.status == 429:
            gap = after.time - before.time
            assert gap >= min_gap_after(case, before, refusals[0]), f"{gap:.3f} s after a 429: {seen}"
    # A reschedule after a poke that ended on a 429 is asked for no earlier than its retry-after.
    for poke_end, rescheduled_to in outcome.reschedules:
        last = max((record for record in records if record.time <= poke_end), key=lambda record: record.time)
        if last.status == 429:
            wait = rescheduled_to - last.time
            assert wait >= min_gap_after(case, last, refusals[0]), f"rescheduled {wait:.3f} s after a 429: {seen}"


def _describe(outcome: TaskOutcome) -> str:
    start = outcome.requests[0].time if outcome.requests else 0.0
    log = [(record.status, round(record.time - start, 2)) for record in outcome.requests]
    return f"succeeded={outcome.succeeded} error={outcome.error_type}: {outcome.message[:300]!r}; requests={log}"
