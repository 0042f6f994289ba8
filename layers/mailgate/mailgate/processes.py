"""Stopping a server started in its own process group (clamd here and in the Lambda image; slapd, Samba and
dnsmasq in the tests): its children must go with it, and a hung one must not hang the caller."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def stop_process_group(process: subprocess.Popen[bytes] | None, grace_seconds: float = 5.0) -> None:
    """SIGTERM the group, then SIGKILL it when it has not exited within the grace period."""
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace_seconds)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
