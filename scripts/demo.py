"""`make demo`: run the example post-stream DAG in a real Airflow, against the local emulator or Cloudflare.

Steps, one ``==>`` line each:

1. a throwaway AIRFLOW_HOME at ``.airflow/demo`` (emptied first; ``REALTIMEKIT_DEMO_HOME`` moves it) with a
   fresh SQLite metadata DB (``airflow db migrate``);
2. the RealtimeKit emulator (``realtimekit-emulator --scenario demo``) on a free loopback port: one
   livestream with a session that stops a few seconds after start;
3. ``airflow dags test realtimekit_post_stream -c '{"session_id": "..."}'`` with the connection pointed at
   the emulator and the sensor polling every second;
4. the fetched session payload, the report and the asset event, read back from the metadata DB;
5. the emulator stopped (always, also on failure or Ctrl+C);
6. against the emulator only, the event-driven watcher (:mod:`demo_watcher`): the DAG
   ``realtimekit_session_ended`` in a real scheduler and triggerer, one run per emulated session that ends,
   each printed with its payload (``.airflow/demo-watcher``; ``REALTIMEKIT_DEMO_WATCHER=0`` skips it).

Against Cloudflare instead: set a connection (``AIRFLOW_CONN_REALTIMEKIT_DEFAULT``, or
``REALTIMEKIT_API_TOKEN`` + ``REALTIMEKIT_ACCOUNT_ID`` + ``REALTIMEKIT_APP_ID``) and ``SESSION_ID``, the id of a
livestream session of that app. The token is never printed.

The parts: :mod:`demo_target` (emulator or Cloudflare), :mod:`demo_airflow` (AIRFLOW_HOME, DB, ``airflow dags
test``), :mod:`demo_emulator` (the emulator process) and :mod:`demo_report` (what is printed).

Exit status: 0 when the DAG run succeeded, 1 on any failure (with the relevant log tail), 2 when the
environment asks for Cloudflare but is incomplete, 130 on Ctrl+C.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

# The demo's parts sit next to this file; `python scripts/demo.py` puts this directory on sys.path.
from demo_airflow import airflow_env, fresh_airflow_home, migrate, run_dag
from demo_emulator import start_emulator, stop_emulator
from demo_report import REPO, DemoError, relative, show_results, step, tail_of
from demo_target import Target, UsageError, choose_target
from demo_watcher import run_watcher_demo

EMULATOR_RUN_TIMEOUT = 120.0


def main() -> int:
    started = time.monotonic()
    try:
        target = choose_target(os.environ)
        post_stream_demo(target)
        watcher_demo(target)
    except UsageError as error:
        print(f"\n{error}", file=sys.stderr)
        return 2
    except DemoError as error:
        if error.tail:
            print(f"\n--- log tail ---\n{error.tail}\n---", file=sys.stderr)
        print(f"\ndemo failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo interrupted", file=sys.stderr)
        return 130
    step(f"demo finished in {time.monotonic() - started:.1f} s")
    return 0


def post_stream_demo(target: Target) -> None:
    """
    Steps 1 to 5 above: the post-stream DAG against ``target``; raises DemoError when the run failed.

    :param target: where the connection points (the emulator is started when it has no connection).
    """
    home = Path(os.environ.get("REALTIMEKIT_DEMO_HOME") or REPO / ".airflow" / "demo").resolve()
    fresh_airflow_home(home)
    env = airflow_env(home)
    migrate(env, home)
    emulator: subprocess.Popen[bytes] | None = None
    try:
        if target.connection is None:
            emulator, target = start_emulator(home)
            env["REALTIMEKIT_POKE_INTERVAL"] = "1"
        else:
            step(f"using the connection from your environment against Cloudflare; session {target.session_id}")
        env["AIRFLOW_CONN_REALTIMEKIT_DEFAULT"] = target.connection or ""
        if target.app_id:
            env["REALTIMEKIT_APP_ID"] = target.app_id
        assert target.session_id is not None
        succeeded = run_dag(env, home, target.session_id, timeout=EMULATOR_RUN_TIMEOUT if emulator else None)
        show_results(home / "airflow.db")
        if not succeeded:
            raise DemoError(
                f"the DAG run failed; full log: {relative(home / 'dags-test.log')}",
                tail_of(home / "dags-test.log"),
            )
    finally:
        if emulator is not None:
            stop_emulator(emulator)


def watcher_demo(target: Target) -> None:
    """
    Step 6 above: the watcher-driven DAG, against the emulator only (only there can the demo end sessions).

    :param target: where the post-stream step ran.
    """
    if target.connection is not None:
        step("skipping the event-driven watcher demo: it needs the emulator to end sessions")
        return
    if os.environ.get("REALTIMEKIT_DEMO_WATCHER", "1") == "0":
        step("skipping the event-driven watcher demo (REALTIMEKIT_DEMO_WATCHER=0)")
        return
    home = Path(os.environ.get("REALTIMEKIT_DEMO_WATCHER_HOME") or REPO / ".airflow" / "demo-watcher").resolve()
    step("event-driven DAG: a run for every livestream session that ends (example_dags/realtimekit_session_ended.py)")
    try:
        run_watcher_demo(home)
    except DemoError as error:
        raise DemoError(f"the watcher demo failed: {error} (logs in {relative(home)})", error.tail) from error


if __name__ == "__main__":
    raise SystemExit(main())
