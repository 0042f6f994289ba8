"""A proposal's Content Filtering expressions evaluated again over the stored originals.

The expressions read the message itself (headers, body, attachments), so a stored report cannot answer for
changed ones: when a proposal changes `content_filter`, the proposed side of a replay reads each message's
original where the mail bucket still keeps it and runs the Content Filtering scanner alone over it, with the
other scanners' stored results as what came before it. The live side keeps the stored result (today's
decision). An original that is gone keeps the stored result too, and the replay counts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from mailgate.config import GatewayConfig
from mailgate.scan.report import ScanReport

if TYPE_CHECKING:
    from mailgate.scanners.base import Scanner

ReadOriginal = Callable[[str, str | None], bytes]  # (key, bucket) → the raw message; raises when it is gone
CONTENT_FILTER = "content_filter"


class ContentRescan:
    def __init__(self, config: GatewayConfig, read: ReadOriginal) -> None:
        from mailgate.scanners.content_filter.scanner import ContentFilterScanner  # noqa: PLC0415 - only then

        self.config = config
        self.read = read
        self.scanner: Scanner = ContentFilterScanner(config.content_filter)

    def __call__(self, report: ScanReport) -> ScanReport | None:
        """The report with the proposal's Content Filtering result, or None when the original is gone."""
        key = report.raw_location.get("key")
        if not key:
            return None
        try:
            raw = self.read(key, report.raw_location.get("bucket") or None)
        except Exception:  # gone with its retention, or not readable here: the stored result stands
            return None
        return self.scanned(report, raw)

    def scanned(self, report: ScanReport, raw: bytes) -> ScanReport:
        """The report with the Content Filtering result these settings give the original `raw`."""
        from mailgate.message import parse_message  # noqa: PLC0415
        from mailgate.message.line_endings import normalised_line_endings  # noqa: PLC0415
        from mailgate.scan.run import run_scanner  # noqa: PLC0415
        from mailgate.scanners.base import ScanContext  # noqa: PLC0415

        message = parse_message(normalised_line_endings(raw)[0])
        others = tuple(r for r in report.results if r.scanner != CONTENT_FILTER)
        context = ScanContext(report.envelope, self.config.authserv_id, tuple(self.config.domains), others)
        result = run_scanner(self.scanner, message, context)
        return msgspec.structs.replace(report, results=(*others, result))
