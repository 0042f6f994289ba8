"""The servers local mode starts, and what an earlier `mailgate serve` may have left behind.

Stopping a process group is production code too (the Lambda image stops its clamd the same way), so it
lives in `mailgate.processes`; local mode and the tests' fixtures import it from here or from there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from pathlib import Path

from mailgate.processes import stop_process_group

__all__ = ["EarlierRun", "check_ports_free", "clear_earlier_clamd", "stop_process_group"]


class EarlierRun(Exception):
    """Something an earlier run left running stands in the way; the message says what and what to do."""


def check_ports_free(host: str, ports: dict[str, int]) -> None:
    """Each named port can be listened on, before anything starts (a half-started gateway would leave
    clamd behind, and its banner would name servers that are someone else's)."""
    taken = [f"{name} {host}:{port}" for name, port in ports.items() if port and _taken(host, port)]
    if taken:
        raise EarlierRun(f"already in use: {', '.join(taken)}. Is an earlier `mailgate serve` still running? "
                         "Stop it (Ctrl-C in its terminal), or choose other ports (see `mailgate serve --help`).")


def _taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def clear_earlier_clamd(run_dir: Path) -> str | None:
    """An earlier run's clamd in this state directory: EarlierRun while it still runs (it would answer on
    the socket in place of the one started now); its pid file and socket removed when it is gone, with a
    note saying so. None when there was none."""
    pid_file = run_dir / "clamd.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if _is_clamd(pid):
        raise EarlierRun(f"a clamd from an earlier `mailgate serve` still runs (pid {pid}, {pid_file}): "
                         f"stop it with `kill {pid}` and start again")
    for leftover in (pid_file, run_dir / "clamd.sock"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    return f"an earlier run's clamd (pid {pid}) had not stopped cleanly: its pid file and socket were removed"


def _is_clamd(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's: a pid reused by another user's process
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: alive is all we know
    return b"clamd" in command
