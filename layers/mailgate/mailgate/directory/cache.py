"""The directory as a warm function sees it: every connection's current generation, in one index.

Loaded on first use and re-checked at most every `check_seconds` with one cheap query of the
generation pointers; the snapshots are read again only when a sync published a new generation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from mailgate.directory.index import DirectoryIndex
from mailgate.directory.store import DirectoryStore

logger = logging.getLogger(__name__)
CHECK_SECONDS = 60.0


class DirectoryCache:
    def __init__(self, store: DirectoryStore, check_seconds: float = CHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.check_seconds = check_seconds
        self._clock = clock
        self._index: DirectoryIndex | None = None
        self._generations: dict[str, int] | None = None
        self._checked = 0.0

    def index(self) -> DirectoryIndex:
        now = self._clock()
        if self._index is not None and now - self._checked < self.check_seconds:
            return self._index
        generations = self.store.generations()
        if self._index is None or generations != self._generations:
            snapshots = [s for s in (self.store.current(cid)[1] for cid in sorted(generations)) if s is not None]
            self._index, self._generations = DirectoryIndex(snapshots), generations
        self._checked = now
        return self._index

    def spoofing_names(self) -> dict[str, str] | None:
        """The unique directory display names for anti-phishing; None when the cache is empty or cannot
        be read (the scanner then falls back to its configured names rather than failing the message)."""
        try:
            index = self.index()
            return index.spoofing_names() if len(index) else None
        except Exception:
            logger.warning("directory cache unavailable for anti-phishing", exc_info=True)
            return None
