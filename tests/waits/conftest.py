"""Helpers for the shared-poller tests: checked settings for an emulator, and request counts by route."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from airflow_provider_realtimekit.api import ClientSettings
from airflow_provider_realtimekit.testing import RealtimeKitEmulator


def settings_for(emulator: RealtimeKitEmulator, conn_id: str = "realtimekit_default") -> ClientSettings:
    """The checked settings of a connection pointed at ``emulator``."""
    from airflow.sdk import Connection

    conn = emulator.connection()
    return ClientSettings.from_connection(
        Connection(
            conn_id=conn_id,
            conn_type="realtimekit",
            host=conn["host"],
            password=conn["password"],
            extra=json.dumps(conn["extra"]),
        )
    )


def routes(emulator: RealtimeKitEmulator) -> Counter[str]:
    """Requests the emulator received since its log was last cleared, by route name."""
    return Counter(record.route for record in emulator.requests)


@pytest.fixture
def settings(emulator: RealtimeKitEmulator) -> ClientSettings:
    return settings_for(emulator)
