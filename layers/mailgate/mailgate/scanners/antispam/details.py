"""The anti-spam scanner's `details`, declared: what the rules engine reads (thresholds, bulk signals,
blocklist hits) as typed fields. The scanner writes them as JSON in the scan report (scanner.py); `of` reads
them back leniently: a malformed report reads as the defaults, never as a crash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailgate.scan.details import ScannerDetails, read_details


class Thresholds(ScannerDetails, frozen=True):
    probable_spam: float = 3.0
    spam: float = 6.0


class BlocklistDetails(ScannerDetails, frozen=True):
    hits: tuple[str, ...] = ()  # "zone: listed subject"


class AntispamDetails(ScannerDetails, frozen=True):
    bulk: tuple[str, ...] = ()  # bulk-mail signals found (List-Unsubscribe, an ESP's headers, ...)
    thresholds: Thresholds = Thresholds()  # the scanner's own, which a rule may override
    blocklists: BlocklistDetails = BlocklistDetails()
    authenticated_from: str | None = None  # the From domain when it passed DMARC

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> AntispamDetails:
        return read_details(cls, details)
