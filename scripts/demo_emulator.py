"""The demo's emulator: ``realtimekit-emulator --scenario demo`` as a child process on a free loopback port,
with one livestream whose session stops a few seconds after start; its first stdout line says where it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from demo_report import DemoError, step, tail_of
from demo_target import Target

DEMO_TOKEN = "rtk-demo-token-4f9c2a"  # the emulator's token; only ever passed through the environment
#: Seconds the demo session stays live. `airflow dags test` needs a few seconds to reach its first poll, so
#: this is long enough for the sensor to see the session live and defer at least once.
STOP_AFTER = 10.0
EMULATOR_START_TIMEOUT = 30.0


def start_emulator(home: Path) -> tuple[subprocess.Popen[bytes], Target]:
    step("starting the RealtimeKit emulator (realtimekit-emulator --scenario demo) on a free loopback port")
    script = Path(sys.executable).with_name("realtimekit-emulator")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "airflow_provider_realtimekit.testing"]
    command += ["--port", "0", "--token", DEMO_TOKEN, "--scenario", "demo", "--stop-after", f"{STOP_AFTER:g}"]
    out_path, err_path = home / "emulator.out", home / "emulator.log"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        summary = _first_line(process, out_path, err_path)
    except BaseException:
        stop_emulator(process)
        raise
    session_id = summary["live_session_id"]
    connection = summary["connection"]
    print(
        f"    serving {summary['base_url']}; livestream {summary['livestream_ids'][0]}, session {session_id} "
        f"is live and stops in {STOP_AFTER:g} s",
        flush=True,
    )
    target = Target(connection=json.dumps(connection), session_id=session_id, app_id=connection["extra"]["app_id"])
    return process, target


def _first_line(process: subprocess.Popen[bytes], out_path: Path, err_path: Path) -> dict[str, Any]:
    """The emulator's machine-readable first stdout line (see airflow_provider_realtimekit/testing/cli.py)."""
    deadline = time.monotonic() + EMULATOR_START_TIMEOUT
    while time.monotonic() < deadline:
        text = out_path.read_text()
        if "\n" in text:
            try:
                return json.loads(text.split("\n", 1)[0])
            except ValueError as error:
                raise DemoError(f"the emulator's first line is not JSON: {error}", tail_of(err_path)) from None
        if process.poll() is not None:
            raise DemoError(f"the emulator exited with {process.returncode}", tail_of(err_path))
        time.sleep(0.05)
    raise DemoError(f"the emulator did not start within {EMULATOR_START_TIMEOUT:g} s", tail_of(err_path))


def stop_emulator(process: subprocess.Popen[bytes]) -> None:
    step("stopping the emulator")
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
