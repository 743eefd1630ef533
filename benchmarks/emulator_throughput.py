"""Throughput of the RealtimeKit emulator's seed endpoint (L5) under concurrent keep-alive clients.

Starts ``realtimekit-emulator`` in its own process (no rate limit), then for each client count runs that
many client processes, each with one keep-alive connection polling the live demo session, and prints a
table: clients, requests, seconds, requests/s, and the server's CPU time per request (from /proc).

    python benchmarks/emulator_throughput.py                      # http.client clients: 1, 2, 4, 8
    python benchmarks/emulator_throughput.py --client requests    # keep-alive requests.Session clients
    python benchmarks/emulator_throughput.py --clients 4 --requests 5000

Client processes share the machine with the server. ``requests`` spends about 1 ms of CPU per call in
the client, so on a 2-core machine a ``requests`` run measures the clients more than the server; the
default stdlib ``http.client`` keep-alive client costs far less. ``server us/req`` is the server's own
cost, whatever the clients do (1e6 / that = requests/s one server core can sustain).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


def start_emulator() -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Run the emulator CLI on a free port; return the process and its first output line."""
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [
        sys.executable,
        "-m",
        "airflow_provider_realtimekit.testing",
        "--port",
        "0",
        "--token",
        "bench-token",
        "--scenario",
        "demo",
        "--stop-after",
        "86400",
        "--no-rate-limit",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    summary = json.loads(process.stdout.readline())
    return process, summary


def requests_client(url: str, token: str, requests_each: int, start_at: float, results: Any) -> None:
    """Poll ``url`` ``requests_each`` times over one keep-alive ``requests.Session``.

    :param url: the session URL.
    :param token: bearer token.
    :param requests_each: number of GETs.
    :param start_at: ``time.time()`` at which all clients begin together.
    :param results: a multiprocessing queue for (requests, failures, finish time).
    """
    import requests

    failures = 0
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        session.get(url, timeout=10)  # open the connection before the clock starts
        time.sleep(max(0.0, start_at - time.time()))
        for _ in range(requests_each):
            if session.get(url, timeout=10).status_code != 200:
                failures += 1
    results.put((requests_each, failures, time.time()))


def stdlib_client(url: str, token: str, requests_each: int, start_at: float, results: Any) -> None:
    """Poll ``url`` ``requests_each`` times over one keep-alive ``http.client.HTTPConnection``.

    :param url: the session URL.
    :param token: bearer token.
    :param requests_each: number of GETs.
    :param start_at: ``time.time()`` at which all clients begin together.
    :param results: a multiprocessing queue for (requests, failures, finish time).
    """
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"}

    def get() -> int:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    get()
    time.sleep(max(0.0, start_at - time.time()))
    failures = sum(1 for _ in range(requests_each) if get() != 200)
    connection.close()
    results.put((requests_each, failures, time.time()))


CLIENTS = {"http.client": stdlib_client, "requests": requests_client}


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds of a process (Linux /proc), or 0.0 elsewhere.

    :param pid: the process id.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_round(url: str, token: str, clients: int, requests_each: int, kind: str) -> tuple[int, int, float]:
    """Run one round; return (requests, failures, seconds).

    :param url: the session URL.
    :param token: bearer token.
    :param clients: concurrent client processes.
    :param requests_each: requests per client.
    :param kind: ``"http.client"`` or ``"requests"``.
    """
    results: Any = multiprocessing.Queue()
    start_at = time.time() + 0.5 + 0.05 * clients
    workers = [
        multiprocessing.Process(target=CLIENTS[kind], args=(url, token, requests_each, start_at, results))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join()
    finished = max(outcome[2] for outcome in outcomes)
    return sum(o[0] for o in outcomes), sum(o[1] for o in outcomes), finished - start_at


def main() -> int:
    """Parse arguments, run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--requests", type=int, default=4000, help="requests per client")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="http.client", help="client library")
    args = parser.parse_args()

    process, summary = start_emulator()
    try:
        connection = summary["connection"]
        extra = connection["extra"]
        url = (
            f"{connection['host']}/accounts/{extra['account_id']}/realtime/kit/{extra['app_id']}"
            f"/livestreams/sessions/{summary['live_session_id']}"
        )
        print(f"server: emulator CLI subprocess; endpoint L5; clients: {args.client}; {os.cpu_count()} CPUs")
        print(f"{'clients':>8} {'requests':>9} {'failures':>9} {'seconds':>8} {'requests/s':>11} {'server us/req':>14}")
        for clients in args.clients:
            cpu_before = cpu_seconds(process.pid)
            total, failures, seconds = run_round(url, connection["password"], clients, args.requests, args.client)
            server_us = (cpu_seconds(process.pid) - cpu_before) / total * 1e6
            print(f"{clients:>8} {total:>9} {failures:>9} {seconds:>8.2f} {total / seconds:>11.0f} {server_us:>14.0f}")
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
