"""The scan step: parse once, run every scanner under guard, produce the ScanReport."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from mailgate.dns.resolver import message_budget
from mailgate.message import Message, parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import Contribution, ScannerResult, ScanReport
from mailgate.scanners.base import ScanContext, Scanner


def run_scanner(scanner: Scanner, message: Message, context: ScanContext) -> ScannerResult:
    """A scanner bug becomes an `error` verdict with the reason, never a lost message."""
    started = time.perf_counter()
    try:
        result = scanner.scan(message, context)
    except Exception as exc:
        return ScannerResult(
            scanner=scanner.name,
            verdict="error",
            reasons=(Contribution("SCANNER_ERROR", 0.0, f"{scanner.name} failed: {type(exc).__name__}",
                                  str(exc)[:500]),),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
    elapsed = (time.perf_counter() - started) * 1000
    return ScannerResult(result.scanner, result.verdict, result.score, result.reasons, result.details,
                         elapsed)


def scan_message(
    raw: bytes,
    envelope: Envelope,
    scanners: Sequence[Scanner],
    context: ScanContext,
    message_id: str,
    raw_location: dict[str, str] | None = None,
    message: Message | None = None,
) -> ScanReport:
    started = time.perf_counter()
    if message is None:
        message = parse_message(raw)
    parsed = time.perf_counter()
    done: list[ScannerResult] = []
    with message_budget():  # every DNS lookup of this message together: a dead server cannot stall a batch
        for scanner in scanners:
            done.append(run_scanner(scanner, message, dataclasses.replace(context, earlier=tuple(done))))
    results = tuple(done)
    return ScanReport(
        message_id=message_id,
        raw_location=dict(raw_location or {}),
        envelope=envelope,
        facts=message.facts(),
        results=results,
        parse_ms=(parsed - started) * 1000,
        total_ms=(time.perf_counter() - started) * 1000,
    )
