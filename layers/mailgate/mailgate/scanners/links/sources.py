"""Reputation lists that stay fresh in a warm function: read on first use, re-read on a schedule.

A list lives in a file or in S3 (`s3://bucket/key`, read by an adapter the registry injects, so this
module knows no boto3). Each scan asks for the current list; at most every `refresh_seconds` that
triggers a re-read, and the entries are parsed again only when the bytes changed. A read that fails
keeps the last good copy in use and says since when it is stale: a feed outage must not empty the
list, and a list that never loaded is reported, not silently treated as "no hits".
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mailgate.scanners.links.reputation import LinkList

Reader = Callable[[str], bytes]


def read_file(location: str) -> bytes:
    """The reader for plain paths; S3 locations need the adapter in mailgate.aws.list_source."""
    if location.startswith("s3://"):
        raise OSError(f"{location}: no S3 reader configured")
    return Path(location).read_bytes()


class RefreshingList:
    def __init__(self, location: str, verdict: str, read: Reader = read_file, refresh_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.location = location
        self.verdict = verdict
        self.read = read
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._list: LinkList | None = None
        self._digest = ""
        self._checked_at: float | None = None
        self._loaded_at: float | None = None
        self._stale_since: float | None = None
        self._error: str | None = None

    def current(self) -> LinkList | None:
        """The list to match against now (None only while it has never loaded)."""
        now = self.clock()
        if self._checked_at is None or now - self._checked_at >= self.refresh_seconds:
            self._checked_at = now
            self._reload(now)
        return self._list

    def _reload(self, now: float) -> None:
        try:
            data = self.read(self.location)
        except Exception as exc:  # any failure of the source keeps the last good list
            self._error = f"{self.location}: {exc}"[:300]
            if self._stale_since is None:
                self._stale_since = now
            return
        digest = hashlib.sha256(data).hexdigest()
        if digest != self._digest:
            self._list = LinkList(self.location, self.verdict, data.decode("utf-8", "replace").splitlines())
            self._digest = digest
        self._loaded_at = now
        self._stale_since = None
        self._error = None

    def status(self) -> dict[str, Any]:
        now = self.clock()
        entries = len(self._list.domains) + len(self._list.prefixes) if self._list else 0
        return {
            "list": self.location,
            "loaded": self._list is not None,
            "entries": entries,
            "age_seconds": round(now - self._loaded_at, 1) if self._loaded_at is not None else None,
            "stale_seconds": round(now - self._stale_since, 1) if self._stale_since is not None else None,
            "error": self._error,
        }
