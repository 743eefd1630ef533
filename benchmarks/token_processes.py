"""Several processes on one API token (Airflow's 2 or 3 triggerers, or workers), each with its own gate.

Runs 1, 2 and 3 spawned processes that each fetch as fast as their token gate allows, against the emulator
with Cloudflare's limit and lockout scaled in time (quota 1,200 per 300 s becomes 40 per 2 s; the 5-minute
lockout 30 s, so one overrun would turn every later request into a 429). The processes learn the server's
remaining count only from their own answers (the ``Ratelimit`` header), as separate machines would. Prints
per run: requests, 429s, requests per window against the quota and the 10% reserve, and each process's share.

    python benchmarks/token_processes.py
    python benchmarks/token_processes.py --processes 2 3 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

QUOTA, WINDOW, LOCKOUT = 40, 2.0, 30.0
TOKEN = "bench-token-processes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each run lasts (default 10)")
    args = parser.parse_args()

    from airflow_provider_realtimekit.testing import RateLimitPolicy, RealtimeKitEmulator
    from tests.waits.token_processes import run_processes

    reserved = math.ceil(QUOTA * 0.1)
    print(f"limit {QUOTA} per {WINDOW:g} s (Cloudflare's 1,200 per 300 s scaled 150x), lockout {LOCKOUT:g} s, ")
    print(f"reserve {reserved}; {args.seconds:g} s per run\n")
    print("| processes | requests | 429s | per window | of quota | per process |")
    print("|---|---|---|---|---|---|")
    for processes in args.processes:
        policy = RateLimitPolicy(QUOTA, WINDOW, lockout=True, lockout_seconds=LOCKOUT)
        with RealtimeKitEmulator(token=TOKEN, port=0, rate_limit=policy) as emulator:
            livestream = emulator.add_livestream()["id"]
            connection = emulator.connection()
            connection["extra"].update(rate_limit_quota=QUOTA * processes, rate_limit_window=WINDOW)
            results = run_processes(processes, json.dumps(connection), livestream, args.seconds)
            statuses = [record.status for record in emulator.requests]
        per_window = len(statuses) / (args.seconds / WINDOW)
        shares = " / ".join(str(result.answered) for result in results)
        print(
            f"| {processes} | {len(statuses)} | {statuses.count(429)} | {per_window:.1f} | "
            f"{per_window / QUOTA:.0%} | {shares} |"
        )


if __name__ == "__main__":
    main()
