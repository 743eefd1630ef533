"""``realtimekit-emulator``: run the RealtimeKit emulator in the foreground.

Example::

    realtimekit-emulator --port 8787 --token demo-token --scenario demo --stop-after 5
    realtimekit-emulator --scenario empty --live-sessions 30 --stop-spread 600 --seed 7 --variant numbers=int

Output (stable, for scripts): the **first line** of stdout is one JSON object::

    {"connection": {"conn_type": "realtimekit", "host": "http://127.0.0.1:8787/client/v4",
                    "password": "demo-token", "extra": {"account_id": "...", "app_id": "..."}},
     "base_url": "http://127.0.0.1:8787/client/v4",
     "livestream_ids": ["..."],
     "session_ids": ["..."],
     "live_session_id": "..." or null,
     "fleet_session_ids": ["..."],
     "control_url": "http://127.0.0.1:8787/_emulator"}

(on one line). ``connection`` is the value for ``AIRFLOW_CONN_<ID>``; ``livestream_ids`` lists every
livestream (demo first, then seeded ones, then the live fleet); ``session_ids`` lists the demo sessions,
the live one first (the ``usage`` scenario's seeded sessions are not listed); ``live_session_id`` is the
session that starts live (null when none); ``fleet_session_ids`` are the ``--live-sessions`` sessions;
``control_url`` is the control API (see :mod:`.control`). New keys may be added; existing ones keep their
meaning. The
second line is human-readable: ``RealtimeKit emulator serving on <base_url> (Ctrl+C to stop)``. Both are
flushed before serving. The process serves until SIGINT or SIGTERM and then exits with status 0.

Scenarios:

* ``demo``: one livestream ``demo-stream`` with a session that started now and stops ``--stop-after``
  seconds later, plus a session that finished an hour ago (with ingest and viewer seconds);
* ``usage``: the demo data plus 10 seeded livestreams with 100 finished sessions each over the last 30 days;
* ``empty``: no livestreams.

``--live-sessions N`` adds, on top of the scenario, ``N`` livestreams each with a live session that stops at
a random moment within ``--stop-spread`` seconds (0: live until ended through the control API); ``--seed``
makes the ids, stop times and seeded usage data reproducible. ``--variant NAME=VALUE`` (repeatable) switches
a response-shape variant (:class:`~.variants.ShapeVariants`); ``--definition-shapes`` switches them all to
the form of Cloudflare's API definition first.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from airflow_provider_realtimekit.testing.control import CONTROL_PREFIX
from airflow_provider_realtimekit.testing.emulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_APP_ID,
    RealtimeKitEmulator,
)
from airflow_provider_realtimekit.testing.variants import ShapeVariants

SCENARIOS = ("demo", "empty", "usage")
#: Variants whose values are whole numbers; every other variant takes one of its listed words.
_INT_VARIANTS = ("page_base", "per_page_default", "per_page_max")


def parse_variant(text: str) -> tuple[str, Any]:
    """Parse one ``--variant NAME=VALUE`` into a checked name and value.

    :param text: for example ``numbers=int`` or ``page_base=0``.
    :raises argparse.ArgumentTypeError: naming the variants or values allowed.
    """
    allowed = ShapeVariants.allowed_values()
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or name not in allowed:
        raise argparse.ArgumentTypeError(f"{text!r}: use NAME=VALUE with NAME one of {', '.join(allowed)}")
    value: Any = raw
    if name in _INT_VARIANTS:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: {name} takes a whole number") from None
    try:
        setattr(ShapeVariants(), name, value)  # the dataclass checks the value
    except ValueError:
        shown = "|".join(str(v) for v in allowed[name])
        raise argparse.ArgumentTypeError(f"{text!r}: {name} takes {shown}") from None
    return name, value


def _variants_help() -> str:
    lines = ["response-shape variants for --variant NAME=VALUE (the first value is the default):"]
    defaults = ShapeVariants()
    for name, values in ShapeVariants.allowed_values().items():
        default = getattr(defaults, name)
        shown = [str(default), *(str(v) for v in values if v != default)]
        lines.append(f"  {name}: {' | '.join(shown)}")
    lines.append("see ShapeVariants in airflow_provider_realtimekit/testing/variants.py for what each one means")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="realtimekit-emulator",
        description="Serve a local Cloudflare RealtimeKit API emulator.",
        epilog=_variants_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    parser.add_argument(
        "--live-sessions",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="add N livestreams, each with a live session (default 0)",
    )
    parser.add_argument(
        "--stop-spread",
        type=_non_negative_float,
        default=300.0,
        metavar="SECONDS",
        help="each --live-sessions session stops at a random moment within SECONDS; 0: live until ended (default 300)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed of ids, stop times and seeded data")
    parser.add_argument(
        "--variant",
        type=parse_variant,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="switch a response-shape variant (repeatable; the list is below)",
    )
    parser.add_argument(
        "--definition-shapes",
        action="store_true",
        help="serve every shape as Cloudflare's API definition types it (before any --variant)",
    )
    return parser


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def load_scenario(emulator: RealtimeKitEmulator, scenario: str, stop_after: float, seed: int = 0) -> dict[str, Any]:
    """Fill the emulator with a scenario's data; return the ids for the first output line.

    :param emulator: the emulator to fill.
    :param scenario: ``demo``, ``empty`` or ``usage``.
    :param stop_after: seconds until the demo's live session stops.
    :param seed: seed of the ``usage`` scenario's data.
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
        ids["livestream_ids"] += emulator.seed(n_livestreams=10, sessions_each=100, rng_seed=seed)
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
        rng_seed=args.seed,
        variants=ShapeVariants.definition() if args.definition_shapes else None,
    )
    emulator.set_variants(**dict(args.variant))
    if args.no_rate_limit:
        emulator.set_rate_limit(None)
    else:
        emulator.set_rate_limit(args.rate_limit_quota, args.rate_limit_window)
    ids = load_scenario(emulator, args.scenario, args.stop_after, args.seed)
    spread = args.stop_spread if args.stop_spread > 0 else None
    fleet = emulator.add_live_fleet(args.live_sessions, stop_spread=spread, seed=args.seed)
    ids["livestream_ids"] += [session["livestream_id"] for session in fleet]
    ids["fleet_session_ids"] = [session["id"] for session in fleet]
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    emulator.start()
    control_url = f"http://{emulator.host}:{emulator.port}{CONTROL_PREFIX}"
    summary = {"connection": emulator.connection(), "base_url": emulator.base_url, **ids, "control_url": control_url}
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
