"""Loaded by the e2e triggerers (on their PYTHONPATH): records every stall of an asyncio loop, and why.

Airflow's triggerer logs "Triggerer's async thread was blocked for N seconds" when its watchdog's 0.1 s
sleep overruns by more than 0.1 s. On the e2e's 2 shared cores that also happens when the loop's thread
merely waited for a CPU while other processes ran (tasks starting, the other triggerer): then nothing was
blocking the loop. To tell the two apart, every loop of this process posts a heartbeat every 20 ms and reads
its thread's scheduler counters (``/proc/thread-self/schedstat``: time on a CPU, time runnable but waiting
for one). A heartbeat more than 0.05 s late appends one JSON line to ``$RTK_E2E_LOOP_STALLS/<pid>.jsonl``:
``end`` (epoch seconds), ``gap`` (seconds late), ``cpu`` (seconds the loop's thread ran meanwhile) and
``runqueue`` (seconds it was ready but had no CPU). ``gap - runqueue`` is the time the loop itself was
busy or blocked. Read by ``tests/e2e/loop_stalls/records.py``. Inactive without that variable.
"""

from __future__ import annotations

import os

if os.environ.get("RTK_E2E_LOOP_STALLS"):
    import gc
    import json
    import time
    from asyncio import base_events

    _DIRECTORY = os.environ["RTK_E2E_LOOP_STALLS"]
    _BEAT = 0.02
    _REPORT_OVER = 0.05  # the watchdog reports overruns over 0.1 s; this catches each of them
    _original_run_forever = base_events.BaseEventLoop.run_forever

    def _schedstat() -> tuple[float, float]:
        """(seconds on a CPU, seconds waiting in the run queue) of the calling thread."""
        try:
            with open("/proc/thread-self/schedstat") as file:
                on_cpu, waiting, _ = file.read().split()
        except (OSError, ValueError):
            return 0.0, 0.0
        return int(on_cpu) / 1e9, int(waiting) / 1e9

    def _write(record: dict[str, object]) -> None:
        with open(os.path.join(_DIRECTORY, f"{os.getpid()}.jsonl"), "a") as file:
            file.write(json.dumps(record) + "\n")

    _gc_started = [0.0]

    def _on_gc(phase: str, info: dict[str, int]) -> None:
        """Record each garbage collection over 20 ms: it runs on whichever thread allocated, the loop's too."""
        if phase == "start":
            _gc_started[0] = time.monotonic()
        elif (took := time.monotonic() - _gc_started[0]) > 0.02:
            _write({"end": time.time(), "gc_generation": info.get("generation"), "gc_seconds": round(took, 4)})

    gc.callbacks.append(_on_gc)

    def _run_forever(self: base_events.BaseEventLoop) -> None:
        last = [time.monotonic(), *_schedstat()]

        def beat() -> None:
            now = time.monotonic()
            on_cpu, waiting = _schedstat()
            gap = now - last[0] - _BEAT
            if gap > _REPORT_OVER:
                _write(
                    {
                        "end": time.time(),
                        "gap": round(gap, 4),
                        "cpu": round(on_cpu - last[1], 4),
                        "runqueue": round(waiting - last[2], 4),
                    }
                )
            last[:] = [now, on_cpu, waiting]
            self.call_later(_BEAT, beat)

        self.call_soon(beat)
        _original_run_forever(self)

    base_events.BaseEventLoop.run_forever = _run_forever  # type: ignore[method-assign]
