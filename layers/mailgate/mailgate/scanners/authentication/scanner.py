"""The authentication scanner: SPF, DKIM, DMARC and ARC for one message, as one ScannerResult.

The verdict is the DMARC result, because DMARC is the only one of the four that speaks for the
author's domain; SPF, DKIM and ARC feed it and add their own named contributions to the score.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from mailgate.dns import Resolver
from mailgate.scan.report import ScannerResult
from mailgate.scanners.authentication.arc import verify_arc
from mailgate.scanners.authentication.dkim_check import verify_dkim
from mailgate.scanners.authentication.dmarc import evaluate_dmarc
from mailgate.scanners.authentication.inputs import AuthMessage
from mailgate.scanners.authentication.scoring import contributions
from mailgate.scanners.authentication.spf import check_spf

if TYPE_CHECKING:
    from mailgate.scanners.base import ScanContext


def from_domains(message: AuthMessage) -> list[str]:
    """The domain of every From address (empty string for an address without one)."""
    return [address.rpartition("@")[2] if "@" in address else "" for _, address in message.from_addresses]


class AuthenticationScanner:
    """Scanner protocol implementation; holds the resolver shared by all four checks."""

    name = "authentication"

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def scan(self, message: AuthMessage, context: ScanContext) -> ScannerResult:
        started = time.perf_counter()
        envelope = context.envelope
        raw = message.raw
        spf = check_spf(envelope.client_ip, envelope.mail_from, envelope.helo, self.resolver)
        dkim = verify_dkim(raw, self.resolver)
        # pct= sampling is a random draw per message (RFC 7489 §6.6.4): never keyed on anything the sender
        # chooses, or a forger picks a Message-ID that always lands outside the sample.
        sampling_key = secrets.token_bytes(16)
        dmarc = evaluate_dmarc(from_domains(message), spf, dkim, self.resolver, sampling_key)
        arc = verify_arc(raw, self.resolver)
        reasons = contributions(spf, dkim, dmarc, arc)
        details = {
            "spf": spf.to_dict(),
            "dkim": [d.to_dict() for d in dkim],
            "dmarc": dmarc.to_dict(),
            "arc": arc.to_dict(),
        }
        return ScannerResult(
            scanner=self.name,
            verdict=dmarc.result,
            score=round(sum(c.score for c in reasons), 3),
            reasons=reasons,
            details=details,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
