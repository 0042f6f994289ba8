"""ScanReport: the recipient-independent facts `scan` computes once, in a plain JSON form.

Every verdict carries the named contributions behind it, so "why" is always answerable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailgate.scan.envelope import Envelope

REPORT_VERSION = 1


@dataclass(frozen=True)
class Contribution:
    """One named test that fired: its weight and the evidence it saw."""

    test: str
    score: float
    description: str
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "score": self.score, "description": self.description,
                "evidence": self.evidence}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contribution:
        return cls(str(data["test"]), float(data["score"]), str(data.get("description", "")),
                   str(data.get("evidence", "")))


@dataclass(frozen=True)
class ScannerResult:
    """One scanner's verdict. `details` holds scanner-specific structured facts (JSON-safe)."""

    scanner: str
    verdict: str
    score: float = 0.0
    reasons: tuple[Contribution, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scanner": self.scanner,
            "verdict": self.verdict,
            "score": round(self.score, 3),
            "reasons": [r.to_dict() for r in self.reasons],
            "details": self.details,
            "elapsed_ms": round(self.elapsed_ms, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScannerResult:
        return cls(
            scanner=str(data["scanner"]),
            verdict=str(data["verdict"]),
            score=float(data.get("score", 0.0)),
            reasons=tuple(Contribution.from_dict(r) for r in data.get("reasons", ())),
            details=dict(data.get("details") or {}),
            elapsed_ms=float(data.get("elapsed_ms", 0.0)),
        )


@dataclass(frozen=True)
class ScanReport:
    """What `scan` hands to `rules`: message facts, envelope, each scanner's result, timings."""

    message_id: str  # the gateway's id for this message (SES messageId or the local ingress's)
    raw_location: dict[str, str]  # {"bucket": ..., "key": ...}
    envelope: Envelope
    facts: dict[str, Any]
    results: tuple[ScannerResult, ...]
    parse_ms: float = 0.0
    total_ms: float = 0.0
    version: int = REPORT_VERSION

    def result(self, scanner: str) -> ScannerResult | None:
        return next((r for r in self.results if r.scanner == scanner), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "message_id": self.message_id,
            "raw_location": dict(self.raw_location),
            "envelope": self.envelope.to_dict(),
            "facts": self.facts,
            "results": [r.to_dict() for r in self.results],
            "parse_ms": round(self.parse_ms, 3),
            "total_ms": round(self.total_ms, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanReport:
        return cls(
            message_id=str(data["message_id"]),
            raw_location={str(k): str(v) for k, v in (data.get("raw_location") or {}).items()},
            envelope=Envelope.from_dict(dict(data.get("envelope") or {})),
            facts=dict(data.get("facts") or {}),
            results=tuple(ScannerResult.from_dict(r) for r in data.get("results", ())),
            parse_ms=float(data.get("parse_ms", 0.0)),
            total_ms=float(data.get("total_ms", 0.0)),
            version=int(data.get("version", REPORT_VERSION)),
        )
