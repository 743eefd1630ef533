"""Two triggerers on one token, without the e2e's luck in how Airflow splits the waits between them.

Each triggerer runs its triggers in one event loop, so each has its own shared poller. Here two event loops
(one thread each, as two triggerer processes would run them) run real ``RealtimeKitLivestreamSessionTrigger``s
over 30 live sessions split 28/2, 23/7 and 15/15, every split against its own emulator (real HTTP), all three
at once. The e2e fleet's 5 s interval is scaled 5x to 1 s, with the poller's rate (and so its audit
allowance) and first-poll spread scaled to match, and audits are made due after 4 listing answers instead of
10 so that they fall in the counted cycles: stricter than the defaults. Every cycle, for every split, must
cost at most 10 requests (issue #14: 30 before the shared poller).
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import ExitStack

import pytest

from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from airflow_provider_realtimekit.waits.poller_records import PollerOptions, PollerStats
from airflow_provider_realtimekit.waits.poller_registry import shared_poller
from tests.conftest import TOKEN
from tests.waits.conftest import settings_for

SPLITS = [(28, 2), (23, 7), (15, 15)]
SCALE = 5.0
INTERVAL = 5.0 / SCALE
OPTIONS = PollerOptions(rate=3.6 * SCALE, first_poll_spread=5.0 / SCALE, audit_every=4)
#: Cycles counted once every wait of both pollers has been answered twice (audits fall due in them).
CYCLES = 3
MAX_REQUESTS_PER_CYCLE = 10


class Triggerer(threading.Thread):
    """One event loop running real triggers over ``sessions`` until told to stop; keeps its poller's counters."""

    def __init__(self, conn_id: str, emulator: RealtimeKitEmulator, sessions: list[dict], stop: threading.Event):
        super().__init__(daemon=True)
        self.conn_id, self.emulator, self.sessions, self.stop = conn_id, emulator, sessions, stop
        self.stats: PollerStats | None = None
        #: Emulator time when every wait had been answered twice.
        self.ready_at: float | None = None
        self.events: list[object] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by the test thread
            self.error = error

    async def _serve(self) -> None:
        poller = shared_poller(settings_for(self.emulator, self.conn_id), OPTIONS)  # the triggers find it
        triggers = [
            RealtimeKitLivestreamSessionTrigger(
                s["id"], realtimekit_conn_id=self.conn_id, poll_interval=INTERVAL, livestream_id=s["livestream_id"]
            )
            for s in self.sessions
        ]
        tasks = [asyncio.ensure_future(trigger.run().__anext__()) for trigger in triggers]
        while not self.stop.is_set():
            answered = poller.stats.listing_answers + poller.stats.fetches + poller.stats.shared_fetches
            if self.ready_at is None and answered >= 2 * len(triggers):
                self.ready_at = self.emulator.clock.now()
            await asyncio.sleep(0.05)
        self.events = [task.result() for task in tasks if task.done() and not task.cancelled()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.stats = poller.stats


def requests_per_cycle(emulator: RealtimeKitEmulator, start: float) -> list[int]:
    times = [record.time for record in emulator.requests]
    return [
        sum(1 for t in times if start + cycle * INTERVAL <= t < start + (cycle + 1) * INTERVAL)
        for cycle in range(CYCLES)
    ]


@pytest.mark.timeout(120)
def test_two_pollers_sharing_30_waits_cost_at_most_10_requests_per_cycle_whatever_the_split(monkeypatch):
    stop = threading.Event()
    with ExitStack() as stack:
        emulators = [stack.enter_context(RealtimeKitEmulator(token=TOKEN, port=0)) for _ in SPLITS]
        triggerers: list[tuple[Triggerer, Triggerer]] = []
        for (many, few), emulator in zip(SPLITS, emulators, strict=True):
            conn_id = f"split_{many}_{few}"
            monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", emulator.connection_json())
            sessions = emulator.add_live_fleet(many + few, stop_spread=None)
            pair = (
                Triggerer(conn_id, emulator, sessions[:many], stop),
                Triggerer(conn_id, emulator, sessions[many:], stop),
            )
            triggerers.append(pair)
        everyone = [triggerer for pair in triggerers for triggerer in pair]
        for triggerer in everyone:
            triggerer.start()
        try:
            for _ in range(600):  # start-up takes seconds on a loaded machine (Airflow's imports, first reads)
                if all(t.ready_at is not None or not t.is_alive() for t in everyone):
                    break
                stop.wait(0.1)
            start = max(t.ready_at or 0.0 for t in everyone)
            stop.wait(max(0.0, start - emulators[0].clock.now()) + CYCLES * INTERVAL + 0.1)
        finally:
            stop.set()
            for pair in triggerers:
                for triggerer in pair:
                    triggerer.join(30)

        per_cycle = {
            split: requests_per_cycle(emulator, start) for split, emulator in zip(SPLITS, emulators, strict=True)
        }

    print(f"requests per {INTERVAL:g} s cycle (the e2e's 5 s scaled {SCALE:g}x) by split: {per_cycle}")
    for (_many, few), (busy, quiet) in zip(SPLITS, triggerers, strict=True):
        assert busy.error is None and quiet.error is None, (busy.error, quiet.error)
        assert busy.events == [] and quiet.events == []  # no session stopped: every wait was still waiting
        assert busy.stats is not None and quiet.stats is not None
        assert busy.stats.listings > 0  # both coalesce, but for the poller of 2 waits, which fetches them
        assert (quiet.stats.listings > 0) == (few >= OPTIONS.coalesce_from)
        assert busy.stats.audits > 0  # the counted cycles include audits
    assert all(max(cycles) <= MAX_REQUESTS_PER_CYCLE for cycles in per_cycle.values()), per_cycle
