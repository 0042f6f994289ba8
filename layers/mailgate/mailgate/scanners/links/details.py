"""The link scanner's `details`, declared: how many URLs were judged, the DNS errors of the URI blocklist
lookups, and the local list files that are not loaded or failed to refresh. The scanner writes them as JSON
in the scan report (scanner.py); `of` reads them back leniently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from mailgate.scan.details import ScannerDetails, read_details


class ListStatus(ScannerDetails, frozen=True):
    """One local list file, as `sources.RefreshingList.status` reports it."""

    location: str = msgspec.field(default="", name="list")
    loaded: bool = False
    entries: int = 0
    age_seconds: float | None = None
    stale_seconds: float | None = None
    error: str | None = None


class LinksDetails(ScannerDetails, frozen=True):
    urls: int = 0
    dns_errors: tuple[str, ...] = ()  # the first few
    lists: tuple[ListStatus, ...] = ()  # only those with an error or not loaded

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> LinksDetails:
        return read_details(cls, details)
