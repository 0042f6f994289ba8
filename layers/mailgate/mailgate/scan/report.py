"""ScanReport: the recipient-independent facts `scan` computes once, in a plain JSON form.

Every verdict carries the named contributions behind it, so "why" is always answerable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from mailgate.documents import Document
from mailgate.scan.envelope import Envelope

REPORT_VERSION = 1


class Contribution(Document, frozen=True):
    """One named test that fired: its weight and the evidence it saw."""

    test: str
    score: float
    description: str = ""
    evidence: str = ""


class ScannerResult(Document, frozen=True):
    """One scanner's verdict. `details` holds scanner-specific structured facts (JSON-safe)."""

    scanner: str
    verdict: str
    score: float = 0.0
    reasons: tuple[Contribution, ...] = ()
    details: dict[str, Any] = msgspec.field(default_factory=dict)
    elapsed_ms: float = 0.0

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        data["score"], data["elapsed_ms"] = round(data["score"], 3), round(data["elapsed_ms"], 3)
        return data


class ScanReport(Document, frozen=True):
    """What `scan` hands to `rules`: message facts, envelope, each scanner's result, timings."""

    message_id: str  # the gateway's id for this message (SES messageId or the local ingress's)
    raw_location: dict[str, str]  # {"bucket": ..., "key": ...}
    envelope: Envelope
    facts: dict[str, Any]
    results: tuple[ScannerResult, ...]
    parse_ms: float = 0.0
    total_ms: float = 0.0
    version: int = REPORT_VERSION

    read_defaults: ClassVar[Mapping[str, Any]] = {"raw_location": {}, "envelope": {}, "facts": {}, "results": ()}

    def result(self, scanner: str) -> ScannerResult | None:
        return next((r for r in self.results if r.scanner == scanner), None)

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        data["parse_ms"], data["total_ms"] = round(data["parse_ms"], 3), round(data["total_ms"], 3)
        return data
