"""The end-to-end tests' shared deployments (see `pool.py`): `sqlite_stack` and `postgres_stack`.

Package-scoped: every test under tests/e2e shares them, and they are stopped as soon as the last of these
tests has finished instead of idling through the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.pool import Stack, StackPool


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
