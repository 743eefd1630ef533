"""Fixtures of the trigger tests."""

from __future__ import annotations

import pytest

from tests.triggers.watch_driver import WatchDriver


@pytest.fixture
def driver(monkeypatch: pytest.MonkeyPatch, emulator) -> WatchDriver:
    """Runs session-ended watchers cycle by cycle against the emulator (see :mod:`tests.triggers.watch_driver`)."""
    return WatchDriver(monkeypatch, emulator.clock.now)
