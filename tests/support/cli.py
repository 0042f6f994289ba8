"""Running the `mailgate` command the way a user does: a fresh process with the default configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_mailgate(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The in-process local gateway of other tests sets MAILGATE_* variables in os.environ: not inherited."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MAILGATE_")}
    command = [str(Path(sys.executable).with_name("mailgate")), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                          env={**environment, "MAILGATE_CONFIG": "{}"})
