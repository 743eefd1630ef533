"""The reliability suite's recorder and its Markdown summary (printed at the end of any pytest run).

Tests say what they cover through the ``reliability`` fixture: a fault-matrix cell, a bad input, a parser
property, and every leak check with its result. Whether a test passed is read from its report, so the
summary counts what passed, not what was tried.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import TOKEN

_COVERS = pytest.StashKey[list[tuple[str, Any]]]()


@dataclass
class Recorder:
    """What the reliability tests covered, and whether each test passed."""

    matrix_rows: list[str] = field(default_factory=list)
    matrix_columns: list[str] = field(default_factory=list)
    matrix: dict[tuple[str, str], bool] = field(default_factory=dict)
    bad_inputs: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    properties: dict[str, tuple[int, bool]] = field(default_factory=dict)
    leak_checks: Counter[str] = field(default_factory=Counter)
    leak_hits: list[str] = field(default_factory=list)

    def settle(self, covers: list[tuple[str, Any]], passed: bool) -> None:
        for kind, key in covers:
            if kind == "cell":
                row, column = key
                if row not in self.matrix_rows:
                    self.matrix_rows.append(row)
                if column not in self.matrix_columns:
                    self.matrix_columns.append(column)
                self.matrix[key] = passed
            elif kind == "input":
                group, label, expectation = key
                self.bad_inputs[(group, label)] = (expectation, passed)
            elif kind == "property":
                name, examples = key
                self.properties[name] = (examples[0], passed)

    @property
    def empty(self) -> bool:
        return not (self.matrix or self.bad_inputs or self.properties or self.leak_checks)


RECORDER = Recorder()


class ItemRecorder:
    """The recorder as one test sees it."""

    def __init__(self, item: pytest.Item) -> None:
        self._covers = item.stash.setdefault(_COVERS, [])

    def cell(self, row: str, column: str) -> None:
        """This test is the fault-matrix cell (row, column)."""
        self._covers.append(("cell", (row, column)))

    def bad_input(self, group: str, label: str, expectation: str = "rejected") -> None:
        """This test covers one bad input; ``expectation`` is what it asserts (normally "rejected")."""
        self._covers.append(("input", (group, label, expectation)))

    def property(self, name: str) -> list[int]:
        """This test is a parser property; increment the returned counter once per example."""
        examples = [0]
        self._covers.append(("property", (name, examples)))
        return examples

    def no_token(self, where: str, *texts: object) -> None:
        """One leak check: the token must appear in none of ``texts`` (anything, rendered with str and repr)."""
        rendered = " ".join(f"{text!s} {text!r}" for text in texts)
        RECORDER.leak_checks[where.split(":", maxsplit=1)[0]] += 1
        if TOKEN in rendered:
            RECORDER.leak_hits.append(where)
        assert TOKEN not in rendered, f"the API token leaked into {where}"


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> ItemRecorder:
    return ItemRecorder(request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    covers = item.stash.get(_COVERS, [])
    if covers and (report.when == "call" or (report.when == "setup" and report.failed)):
        RECORDER.settle(covers, passed=report.passed)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if RECORDER.empty:
        return
    terminalreporter.write_sep("=", "reliability summary (Markdown)")
    terminalreporter.write_line(summary_markdown(RECORDER))


def summary_markdown(recorder: Recorder) -> str:
    lines: list[str] = []
    if recorder.matrix:
        lines += _matrix_table(recorder)
    if recorder.bad_inputs:
        lines += _bad_input_table(recorder)
    if recorder.leak_checks:
        hits = len(recorder.leak_hits)
        lines += [
            "",
            f"**Leak checks** (the API token searched for): {sum(recorder.leak_checks.values())} run, "
            f"{hits} hit{'s' if hits != 1 else ''}" + (f" ({', '.join(recorder.leak_hits[:5])})" if hits else "."),
            "",
            "| Where | Checks |",
            "|---|---|",
            *(f"| {where} | {count} |" for where, count in sorted(recorder.leak_checks.items())),
        ]
    if recorder.properties:
        lines += ["", "**Parser properties** (Hypothesis)", "", "| Property | Examples | Result |", "|---|---|---|"]
        for name, (examples, passed) in recorder.properties.items():
            lines.append(f"| {name} | {examples} | {'holds' if passed else 'FAILED'} |")
    return "\n".join(lines)


def _matrix_table(recorder: Recorder) -> list[str]:
    columns = recorder.matrix_columns
    passed_total = sum(recorder.matrix.values())
    lines = [
        "",
        f"**Fault matrix**: {passed_total} of {len(recorder.matrix)} cells passed "
        "(limited: the fault hits 2 requests, `max_attempts=3`; persistent: every request, `max_attempts=2`).",
        "",
        "| Fault | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for row in recorder.matrix_rows:
        marks = [_mark(recorder.matrix.get((row, column))) for column in columns]
        lines.append(f"| {row} | " + " | ".join(marks) + " |")
    totals = []
    for column in columns:
        results = [passed for (_, c), passed in recorder.matrix.items() if c == column]
        totals.append(f"{sum(results)}/{len(results)}")
    lines.append("| **passed / tried** | " + " | ".join(totals) + " |")
    return lines


def _bad_input_table(recorder: Recorder) -> list[str]:
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for (group, label), (expectation, passed) in recorder.bad_inputs.items():
        groups.setdefault(group, []).append((label, expectation, passed))
    rejected = sum(1 for exp, passed in recorder.bad_inputs.values() if exp == "rejected" and passed)
    tried = sum(1 for exp, _ in recorder.bad_inputs.values() if exp == "rejected")
    lines = [
        "",
        f"**Bad inputs**: {tried} tried, {rejected} rejected before any request with a message naming the field.",
        "",
        "| Group | Tried | Rejected before any request | Inputs |",
        "|---|---|---|---|",
    ]
    for group, entries in groups.items():
        must_reject = [(label, passed) for label, exp, passed in entries if exp == "rejected"]
        if not must_reject:
            continue
        labels = ", ".join(label for label, _ in must_reject)
        lines.append(f"| {group} | {len(must_reject)} | {sum(passed for _, passed in must_reject)} | {labels} |")
    accepted = [
        (group, label, exp, passed)
        for (group, label), (exp, passed) in recorder.bad_inputs.items()
        if exp != "rejected"
    ]
    if accepted:
        lines += ["", "Accepted by design:", ""]
        lines += [
            f"- {group}: {label}: {exp} ({'checked' if passed else 'FAILED'})" for group, label, exp, passed in accepted
        ]
    return lines


def _mark(passed: bool | None) -> str:
    return "·" if passed is None else ("✓" if passed else "✗")
