"""The long-running processes of an end-to-end deployment, and how to stop them for sure.

Each `airflow <component>` runs as the leader of its own process group (its own session) with its output
in a log file, so that stopping the group also stops the processes it forked (task runners, the
triggerer's subprocess) and a failure can show the log's last lines.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Seconds a process group gets between SIGTERM and SIGKILL.
STOP_GRACE = 20.0


class DeploymentError(AssertionError):
    """A component failed, or something did not happen in time; the message carries the log tails."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process of another user reused the id
        return False
    return True


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Component:
    """One long-running `airflow <name>` process, leader of its own process group.

    :param name: the component's name in the deployment (`scheduler`, `triggerer-2`, ...).
    :param argv: the command line.
    :param log_path: stdout and stderr go here; a restart appends to it.
    """

    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    #: Set by `stop()`: a component stopped on purpose does not count as dead.
    stopped_on_purpose: bool = False

    def start(self, env: Mapping[str, str], cwd: Path) -> None:
        self.stopped_on_purpose = False
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, sig: signal.Signals = signal.SIGTERM, grace: float = STOP_GRACE) -> None:
        """Send `sig` to the process group; SIGKILL what is left after `grace` seconds; reap the leader."""
        self.stopped_on_purpose = True
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self.running_group():
            time.sleep(0.2)
        if self.running_group():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def running_group(self) -> bool:
        """Whether any process of the group is still there (the leader counts until reaped)."""
        return self.process is not None and group_exists(self.pgid)

    @property
    def pgid(self) -> int:
        assert self.process is not None
        return self.process.pid  # start_new_session: the leader's pid is the group id

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def dead(self) -> bool:
        """Exited without having been stopped on purpose."""
        return not self.stopped_on_purpose and self.exited() is not None

    def describe(self) -> str:
        if self.stopped_on_purpose:
            status = "stopped by the test"
        else:
            status = "running" if self.exited() is None else f"exited with {self.exited()}"
        return f"--- {self.name} ({status}), last lines of {self.log_path}:\n{tail(self.log_path)}"
