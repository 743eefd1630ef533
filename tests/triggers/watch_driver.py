"""Drives the session-ended watcher in a plain event loop, a test step between two poll cycles.

The trigger's ``sleep`` is replaced: each pause is recorded and runs the test's next step (end a session,
start a lockout...) instead of waiting, and once the steps are used up the watch ends. Everything else is
real: the trigger, its hook and HTTP to the emulator on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_realtimekit.triggers import session_ended as trigger_module
from airflow_provider_realtimekit.triggers.session_ended import RealtimeKitLivestreamSessionEndedTrigger
from airflow_provider_realtimekit.waits import token_gates

Step = Callable[[], Any]


class EndOfTest(Exception):
    """Raised by the fake sleep once the test has no step left: ends the watch."""


class WatchDriver:
    """Runs watchers with the steps of a test between their cycles; records every pause."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, clock: Callable[[], float]) -> None:
        self.pauses: list[float] = []
        self._steps: list[Step] = []
        monkeypatch.setattr(trigger_module, "sleep", self._sleep)
        # The watcher's first start is "now" on its host's clock, which must agree with the API's: tests
        # move the emulator's clock forward instead of sleeping, so the watcher reads that clock too.
        monkeypatch.setattr(trigger_module, "time", SimpleNamespace(time=clock))

    async def _sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        token_gates.pass_instant_time(seconds)  # the per-token gates (instant in tests) see the pause pass too
        if not self._steps:
            raise EndOfTest
        self._steps.pop(0)()

    async def watch(
        self, trigger: RealtimeKitLivestreamSessionEndedTrigger, steps: Sequence[Step] = ()
    ) -> list[dict[str, Any]]:
        """
        Run ``trigger`` for ``len(steps) + 1`` cycles, each step between two cycles; return the payloads.

        :param trigger: the watcher.
        :param steps: what happens after each cycle but the last.
        """
        self._steps = list(steps)
        payloads: list[dict[str, Any]] = []
        events = trigger.run()
        try:
            async for event in events:
                payloads.append(event.payload)
        except EndOfTest:
            pass
        finally:
            await events.aclose()
        return payloads


def nothing() -> None:
    """A step in which nothing happens."""
