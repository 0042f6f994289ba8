"""The directory's recipients as the SMTP ingress asks them at every RCPT: held in memory, checked against the
generation pointers at most every `check_seconds` (one cheap query), read again only when a sync published.

A store that cannot be read keeps what was loaded (the last good set); before anything was loaded it is an
empty set, which refuses nothing (mailgate.directory.recipients).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mailgate.directory.recipients import DirectoryRecipients, directory_recipients
from mailgate.directory.store import DirectoryStore

logger = logging.getLogger(__name__)
CHECK_SECONDS = 15.0  # a sync's new generation reaches the ingress within this


class RecipientCache:
    def __init__(self, store: DirectoryStore | None, check_seconds: float = CHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._recipients = DirectoryRecipients()
        self._generations: dict[str, int] | None = None
        self._checked: float | None = None

    def recipients(self) -> DirectoryRecipients:
        with self._lock:
            now = self._clock()
            if self.store is None or (self._checked is not None and now - self._checked < self.check_seconds):
                return self._recipients
            self._checked = now
            try:
                generations = self.store.generations()
                if generations != self._generations:
                    snapshots = [s for s in (self.store.current(c)[1] for c in sorted(generations)) if s is not None]
                    self._recipients, self._generations = directory_recipients(snapshots), generations
            except Exception:
                logger.warning("directory cache unreadable: recipients are checked against the last set read",
                               exc_info=True)
            return self._recipients

    def expire(self) -> None:
        """Check the store at the next question (tests, and after a settings change)."""
        with self._lock:
            self._checked = None
