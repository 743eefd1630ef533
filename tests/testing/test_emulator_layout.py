"""The emulator package keeps one concept per module: each says what it holds and stays short."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_realtimekit.testing as testing_package

PACKAGE = Path(testing_package.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_module_opens_with_a_docstring_and_stays_under_300_lines(module: Path):
    source = module.read_text()

    assert ast.get_docstring(ast.parse(source)), f"{module.name} has no opening docstring"
    assert len(source.splitlines()) <= 300


def test_documented_names_import_from_the_package():
    from airflow_provider_realtimekit.testing import (  # noqa: F401
        DEFAULT_ACCOUNT_ID,
        DEFAULT_APP_ID,
        ROUTE_NAMES,
        Fault,
        FaultRule,
        Polls,
        RateLimitPolicy,
        RealtimeKitEmulator,
        RequestCounts,
        RequestRecord,
        ShapeVariants,
    )
