"""What importing each class costs a DAG file, measured in fresh processes.

A DAG file is parsed again and again, each parse in a fresh process, so every import it makes is paid on
every parse. For each class below, this starts ``--runs`` fresh interpreters (default 9). Each first
imports what a DAG file has anyway: Airflow's ``DAG``, ``BaseOperator`` and ``BaseSensorOperator``,
``requests``, ``httpx``, ``pendulum`` and the provider package itself (Airflow imports it to read its provider
info). It then runs a full garbage collection and times the import of the class's module and the class,
in wall time (``time.perf_counter``) and in the process's CPU time (``time.process_time``), which a busy
machine's other processes do not inflate. (Without that collection, the collector's first full pass over Airflow's
millions of objects, 10 to 20 ms, lands in whichever import allocates next, here or in the DAG file.) The
table shows the medians and the fastest run in milliseconds, and the modules the import loaded (what
a parse pays for). Target: under 5 ms per class.

    python benchmarks/import_cost.py
    python benchmarks/import_cost.py --runs 21
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: (module, class): what a DAG file writes after ``from ... import``.
CLASSES = (
    ("airflow_provider_realtimekit.operators.realtimekit", "RealtimeKitLivestreamSessionOperator"),
    ("airflow_provider_realtimekit.operators.usage", "RealtimeKitLivestreamUsageOperator"),
    ("airflow_provider_realtimekit.sensors.realtimekit", "RealtimeKitLivestreamSessionSensor"),
)

#: Run in each fresh interpreter: the DAG file's baseline, then the timed import. Prints one JSON line.
PROBE = """
import gc, importlib, json, sys, time
import requests, httpx, pendulum
from airflow.sdk import DAG, BaseOperator, BaseSensorOperator
import airflow_provider_realtimekit
gc.collect()
before = set(sys.modules)
started, started_cpu = time.perf_counter(), time.process_time()
getattr(importlib.import_module(sys.argv[1]), sys.argv[2])
elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
loaded = sorted(m for m in set(sys.modules) - before if m.startswith("airflow_provider_realtimekit"))
others = len([m for m in set(sys.modules) - before if not m.startswith("airflow_provider_realtimekit")])
print(json.dumps({"ms": elapsed * 1000, "cpu_ms": cpu * 1000, "loaded": loaded, "others": others}))
"""


def measure(module: str, name: str, runs: int) -> tuple[list[float], list[float], list[str], int]:
    """Wall and CPU import times (ms) of ``runs`` fresh processes, and the modules the last one loaded."""
    # Bytecode is written (a deployment has it; this machine's PYTHONDONTWRITEBYTECODE would have every run
    # compile the provider from source), and the first run, which writes it, is not counted.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    times: list[float] = []
    cpu_times: list[float] = []
    loaded: list[str] = []
    others = 0
    for run in range(runs + 1):
        result = subprocess.run(
            [sys.executable, "-c", PROBE, module, name],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=env,
        )
        sample = json.loads(result.stdout.strip().splitlines()[-1])
        if run:
            times.append(sample["ms"])
            cpu_times.append(sample["cpu_ms"])
        loaded, others = sample["loaded"], sample["others"]
    return times, cpu_times, loaded, others


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per class (default 9)")
    args = parser.parse_args()

    print(f"Import cost per class, median of {args.runs} fresh processes (after Airflow, requests, httpx, pendulum)")
    print()
    print("| Class | Median wall | Fastest wall | Median CPU | Provider modules loaded | Other modules loaded |")
    print("|---|---|---|---|---|---|")
    details = []
    for module, name in CLASSES:
        times, cpu_times, loaded, others = measure(module, name, args.runs)
        print(
            f"| `{name}` | {statistics.median(times):.1f} ms | {min(times):.1f} ms "
            f"| {statistics.median(cpu_times):.1f} ms | {len(loaded)} | {others} |"
        )
        details.append((name, loaded))
    print()
    for name, loaded in details:
        short = [m.removeprefix("airflow_provider_realtimekit.") for m in loaded]
        print(f"{name}: {', '.join(short)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
