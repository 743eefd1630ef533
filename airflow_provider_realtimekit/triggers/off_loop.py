"""Imports a trigger's run-time modules in a worker thread, so that they never block the triggerer's event loop.

Airflow's triggerer imports a trigger's classpath module synchronously on its one event loop
(``TriggerRunner.create_triggers``), and Airflow's watchdog logs "Triggerer's async thread was blocked"
when the loop stalls for more than ``[triggerer] blocked_main_thread_warning_threshold`` (0.2 s). Measured
in the e2e deployment: importing the trigger module together with the hook, the HTTP protocol, the shared
poller and ``requests`` took 0.33 to 0.37 s of the loop on the first trigger of each triggerer. So the
trigger modules import only what a trigger needs to be built and serialized, and ``run()`` first awaits
:func:`import_off_loop` for the rest. A module another thread is importing is never imported from the
loop: the loop would then wait on that module's import lock.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence

#: Module groups already imported completely in this process (set by the worker thread once done).
_imported: set[tuple[str, ...]] = set()


async def import_off_loop(modules: Sequence[str]) -> None:
    """
    Import ``modules`` in a worker thread unless this process already has all of them.

    :param modules: absolute module names; after this returns, importing them is a dictionary lookup.
    """
    key = tuple(modules)
    if key not in _imported:
        await asyncio.to_thread(_import_all, key)


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)
    _imported.add(modules)
