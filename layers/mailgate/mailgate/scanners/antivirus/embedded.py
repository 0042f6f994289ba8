"""clamd inside the scan function's container image (AWS): the Lambda runtime has no clamd to reach,
so each execution environment starts its own.

On first use the signature files are copied from the signature store (S3, written by the scheduled
freshclam function) into /tmp and clamd is started on a unix socket; its address then goes into the
Anti-Virus settings. A warm environment asks the store for its version every `check_every` seconds
and, when newer signatures were published, copies them and has clamd RELOAD them in place (one engine
in memory: ConcurrentDatabaseReload is off). Cold-start and memory cost: see docs/antivirus.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from mailgate.config import AntivirusSettings
from mailgate.scanners.antivirus.client import ClamdAddress, ClamdClient
from mailgate.scanners.antivirus.daemon import ClamdProcess

logger = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 900.0  # freshclam publishes every 2 hours: a quarter hour's delay is enough


class SignatureStore(Protocol):
    def version(self) -> str:
        """Something that changes whenever new signatures are published (cheap: no download)."""
        ...

    def download(self, directory: Path) -> str:
        """Copy every signature file into `directory`; return the version copied."""
        ...


class EmbeddedClamd:
    def __init__(self, store: SignatureStore, workdir: Path, settings: AntivirusSettings | None = None,
                 check_every: float = CHECK_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.workdir = workdir
        self.database_dir = workdir / "db"
        self.settings = settings or AntivirusSettings()
        self.check_every = check_every
        self.clock = clock
        self.process: ClamdProcess | None = None
        self.loaded_version: str | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def address(self) -> str:
        """clamd's unix socket, starting clamd (download + load) the first time."""
        with self._lock:
            if self.process is None or not self.process.running():
                self._start()
            assert self.process is not None
            return self.process.address

    def planned_address(self) -> str:
        """Where clamd's socket is (or will be): what the scanner is given even if clamd failed to start."""
        return str(self.workdir / "clamd" / "run" / "clamd.sock")

    def refresh_if_due(self) -> bool:
        """Reload newer signatures when the store has them; True when clamd reloaded. Never raises:
        a failed refresh keeps the loaded signatures (their age shows in /health)."""
        now = self.clock()
        if self.process is None or now - self._checked_at < self.check_every:
            return False
        self._checked_at = now
        try:
            if self.store.version() == self.loaded_version:
                return False
            with self._lock:
                self.loaded_version = self.store.download(self.database_dir)
                ClamdClient(ClamdAddress.parse(self.process.address), timeout_seconds=10.0).reload()
            return True
        except Exception:
            logger.exception("could not refresh the ClamAV signatures; the loaded ones stay in use")
            return False

    def _start(self) -> None:
        self.database_dir.mkdir(parents=True, exist_ok=True)
        self.loaded_version = self.store.download(self.database_dir)
        self._checked_at = self.clock()
        self.process = ClamdProcess(self.workdir / "clamd", self.database_dir, self.settings, tcp_host=None,
                                    start_timeout_seconds=240.0).start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
