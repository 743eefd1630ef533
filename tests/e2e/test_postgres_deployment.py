"""The shared PostgreSQL deployment itself: a real PostgreSQL metadata DB, two triggerers, restartable.

What the fleet and triggerer-restart tests rely on, checked once on `postgres_stack`.
"""

from __future__ import annotations

import pytest

from tests.e2e.pool import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def _running_triggerer_jobs(stack: Stack) -> list[int]:
    rows = stack.deployment.query("SELECT id FROM job WHERE job_type = 'TriggererJob' AND state = 'running'")
    return sorted(int(row["id"]) for row in rows)


def test_metadata_db_is_postgresql_migrated_by_airflow(postgres_stack: Stack) -> None:
    deployment = postgres_stack.deployment

    version = deployment.query("SELECT version() AS version")[0]["version"]

    assert version.startswith("PostgreSQL ")
    assert deployment.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://postgres@127.0.0.1:")
    assert deployment.query("SELECT version_num FROM alembic_version"), "airflow db migrate left no alembic version"


def test_two_triggerers_run_side_by_side(postgres_stack: Stack) -> None:
    deployment = postgres_stack.deployment

    assert deployment.triggerer_names == ["triggerer-1", "triggerer-2"]
    assert len(_running_triggerer_jobs(postgres_stack)) == 2
    deployment.check_alive()


def test_a_restarted_triggerer_registers_a_new_job_and_the_other_keeps_running(postgres_stack: Stack) -> None:
    deployment = postgres_stack.deployment
    before = _running_triggerer_jobs(postgres_stack)
    other = deployment.components["triggerer-1"].process

    deployment.restart("triggerer-2")

    after = _running_triggerer_jobs(postgres_stack)
    assert len(after) == 2, after
    assert max(after) > max(before)  # the restarted one is a new job
    assert deployment.components["triggerer-1"].process is other
    assert other is not None and other.poll() is None
    deployment.check_alive()
