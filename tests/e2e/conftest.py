"""The end-to-end tests' shared deployments (see `pool.py`): `sqlite_stack` and `postgres_stack`.

Package-scoped: every test under tests/e2e shares them, and they are stopped as soon as the last of these
tests has finished instead of idling through the rest of the suite. The tests of one backend run
together (sqlite modules first, then postgres ones, each module's order kept), so that each deployment
starts once however the modules are named.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.pool import Stack, StackPool

#: The order in which the backends' tests run; tests that use no stack come first.
BACKEND_ORDER = {"sqlite_stack": 1, "postgres_stack": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the end-to-end tests by the stack they use, in place among the other tests."""
    here = Path(__file__).parent
    positions = [index for index, item in enumerate(items) if here in item.path.parents]
    ordered = sorted((items[index] for index in positions), key=_backend_rank)  # stable: module order stays
    for index, item in zip(positions, ordered, strict=True):
        items[index] = item


def _backend_rank(item: pytest.Item) -> int:
    names = getattr(item, "fixturenames", ())
    return max((rank for fixture, rank in BACKEND_ORDER.items() if fixture in names), default=0)


@pytest.fixture(scope="package")
def stack_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackPool]:
    pool = StackPool(tmp_path_factory)
    try:
        yield pool
    finally:
        pool.close()
    assert not pool.strays, "processes outlived their process groups and had to be killed:\n" + "\n".join(pool.strays)


@pytest.fixture(scope="module")
def sqlite_stack(stack_pool: StackPool) -> Stack:
    """The deployment on SQLite with one triggerer, and its emulator."""
    return stack_pool.get("sqlite")


@pytest.fixture(scope="module")
def postgres_stack(stack_pool: StackPool) -> Stack:
    """The deployment on PostgreSQL with two triggerers (`triggerer-1`, `triggerer-2`), and its emulator."""
    return stack_pool.get("postgres")
