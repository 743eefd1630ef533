"""``realtimekit-emulator``: run the RealtimeKit emulator in the foreground.

Example::

    realtimekit-emulator --port 8787 --token demo-token --scenario demo --stop-after 5

Output (stable, for scripts): the **first line** of stdout is one JSON object::

    {"connection": {"conn_type": "realtimekit", "host": "http://127.0.0.1:8787/client/v4",
                    "password": "demo-token", "extra": {"account_id": "...", "app_id": "..."}},
     "base_url": "http://127.0.0.1:8787/client/v4",
     "livestream_ids": ["..."],
     "session_ids": ["..."],
     "live_session_id": "..." or null}

(on one line). ``connection`` is the value for ``AIRFLOW_CONN_<ID>``; ``livestream_ids`` lists every
livestream (demo first, then seeded ones); ``session_ids`` lists the demo sessions, the live one first (the
``usage`` scenario's seeded sessions are not listed); ``live_session_id`` is the session that starts live
(null when none). New keys may be added; existing ones keep their meaning. The
second line is human-readable: ``RealtimeKit emulator serving on <base_url> (Ctrl+C to stop)``. Both are
flushed before serving. The process serves until SIGINT or SIGTERM and then exits with status 0.

Scenarios:

* ``demo``: one livestream ``demo-stream`` with a session that started now and stops ``--stop-after``
  seconds later, plus a session that finished an hour ago (with ingest and viewer seconds);
* ``usage``: the demo data plus 10 seeded livestreams with 100 finished sessions each over the last 30 days;
* ``empty``: no livestreams.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from airflow_provider_realtimekit.testing.emulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_APP_ID,
    RealtimeKitEmulator,
)

SCENARIOS = ("demo", "empty", "usage")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="realtimekit-emulator", description="Serve a local Cloudflare RealtimeKit API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="TCP port, 0 for a free one (default 8787)")
    parser.add_argument("--token", default="demo-token", help="the accepted API token (default demo-token)")
    parser.add_argument("--scenario", choices=SCENARIOS, default="demo", help="initial data (default demo)")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID, help="the served account id")
    parser.add_argument("--app-id", default=DEFAULT_APP_ID, help="the served RealtimeKit app id")
    parser.add_argument(
        "--stop-after", type=float, default=5.0, help="seconds until the demo's live session stops (default 5)"
    )
    parser.add_argument("--rate-limit-quota", type=int, default=1200, help="requests per window (default 1200)")
    parser.add_argument("--rate-limit-window", type=float, default=300.0, help="window seconds (default 300)")
    parser.add_argument("--no-rate-limit", action="store_true", help="disable rate limiting")
    return parser


def load_scenario(emulator: RealtimeKitEmulator, scenario: str, stop_after: float) -> dict[str, Any]:
    """Fill the emulator with a scenario's data; return the ids for the first output line.

    :param emulator: the emulator to fill.
    :param scenario: ``demo``, ``empty`` or ``usage``.
    :param stop_after: seconds until the demo's live session stops.
    """
    ids: dict[str, Any] = {"livestream_ids": [], "session_ids": [], "live_session_id": None}
    if scenario == "empty":
        return ids
    livestream = emulator.add_livestream(name="demo-stream")
    finished_start = emulator.clock.now() - 3600
    live = emulator.add_session(livestream["id"], stops_after=stop_after, ingest_seconds=5, viewer_seconds=12.5)
    finished = emulator.add_session(
        livestream["id"],
        started=finished_start,
        stopped=finished_start + 1800,
        ingest_seconds=1800,
        viewer_seconds=9123.456,
    )
    ids["livestream_ids"] = [livestream["id"]]
    ids["session_ids"] = [live["id"], finished["id"]]
    ids["live_session_id"] = live["id"]
    if scenario == "usage":
        ids["livestream_ids"] += emulator.seed(n_livestreams=10, sessions_each=100)
    return ids


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; return the exit status.

    :param argv: arguments without the program name; default ``sys.argv[1:]``.
    """
    args = build_parser().parse_args(argv)
    emulator = RealtimeKitEmulator(
        token=args.token,
        host=args.host,
        port=args.port,
        account_id=args.account_id,
        app_id=args.app_id,
    )
    if args.no_rate_limit:
        emulator.set_rate_limit(None)
    else:
        emulator.set_rate_limit(args.rate_limit_quota, args.rate_limit_window)
    ids = load_scenario(emulator, args.scenario, args.stop_after)
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    emulator.start()
    summary = {"connection": emulator.connection(), "base_url": emulator.base_url, **ids}
    sys.stdout.write(json.dumps(summary) + "\n")
    sys.stdout.write(f"RealtimeKit emulator serving on {emulator.base_url} (Ctrl+C to stop)\n")
    sys.stdout.flush()
    try:
        while not stop_requested.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
