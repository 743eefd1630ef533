"""The triggerer imports a trigger's module on its event loop: that import stays small, and ``run()`` imports
the rest in a worker thread (issue #14.7, "Triggerer's async thread was blocked").

The import of the classpath module is checked in a fresh interpreter, as a triggerer starts; what it costs
in a real triggerer is what ``tests/e2e/test_fleet.py`` watches.
"""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from airflow_provider_realtimekit.triggers import off_loop, realtimekit, session_ended
from tests.operators.test_lazy_imports import modules_loaded_by

TRIGGER_MODULES = [realtimekit, session_ended]
#: Never loaded on the loop: the HTTP stack and the sync hook (which brings `requests`).
HEAVY = ("requests", "airflow_provider_realtimekit.hooks.realtimekit", "airflow_provider_realtimekit.api.retry")


def test_the_triggerer_imports_none_of_the_run_time_modules_with_the_trigger_classes():
    # What the triggerer has loaded before it creates its first trigger; one interpreter for both modules.
    baseline = "import airflow.sdk, airflow.triggers.base"
    imports = "\n".join(f"import {module.__name__}" for module in TRIGGER_MODULES)
    loaded = modules_loaded_by(f"{baseline}\nbefore = set(sys.modules)\n{imports}")

    run_time = {name for module in TRIGGER_MODULES for name in module.RUN_TIME_MODULES}
    assert {module.__name__ for module in TRIGGER_MODULES} <= set(loaded)
    assert [name for name in loaded if name in run_time or name.startswith(HEAVY)] == []


@pytest.mark.parametrize("module", TRIGGER_MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_the_run_time_modules_exist(module):
    for name in module.RUN_TIME_MODULES:
        __import__(name)


def test_import_off_loop_imports_in_a_worker_thread_once(tmp_path, monkeypatch):
    (tmp_path / "rtk_probe_module.py").write_text(
        "import threading\nIMPORTED_IN = threading.get_ident()\nCOUNT = globals().get('COUNT', 0) + 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "rtk_probe_module", raising=False)

    async def twice() -> int:
        await off_loop.import_off_loop(["rtk_probe_module"])
        await off_loop.import_off_loop(["rtk_probe_module"])
        return threading.get_ident()

    loop_thread = asyncio.run(twice())

    probe = sys.modules["rtk_probe_module"]
    assert loop_thread != probe.IMPORTED_IN
    assert probe.COUNT == 1
    assert ("rtk_probe_module",) in off_loop._imported
