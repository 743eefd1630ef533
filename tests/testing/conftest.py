"""Fixtures for the emulator tests: a running emulator and an authenticated HTTP client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from tests.testing.emulator_client import TOKEN, EmulatorClient


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[RealtimeKitEmulator]:
    """One running emulator for the whole session (stopping one takes about 0.2 s)."""
    with RealtimeKitEmulator(token=TOKEN, rate_limit=None) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emulator: RealtimeKitEmulator) -> RealtimeKitEmulator:
    """The shared emulator, reset to its initial state: no data, no faults, no rate limit, default shapes."""
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def client(emu: RealtimeKitEmulator) -> Iterator[EmulatorClient]:
    """An authenticated keep-alive client of ``emu``."""
    api = EmulatorClient(emu)
    yield api
    api.session.close()
