"""The one small interface every scanner plugs in through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailgate.message.model import Message
    from mailgate.scan.envelope import Envelope
    from mailgate.scan.report import ScannerResult


@dataclass(frozen=True)
class ScanContext:
    """What a scanner may know besides the message: the envelope, the gateway's identity, and the
    results of the scanners that ran before it (in registry order), so one may weigh another's facts."""

    envelope: Envelope
    authserv_id: str  # our name in Authentication-Results
    accepted_domains: tuple[str, ...] = ()
    earlier: tuple[ScannerResult, ...] = ()

    def earlier_result(self, scanner: str) -> ScannerResult | None:
        return next((r for r in self.earlier if r.scanner == scanner), None)


class Scanner(Protocol):
    """A scanner computes recipient-independent facts about one message.

    It must not raise for anything the message contains: hostile input becomes a verdict or a
    recorded defect. The pipeline still guards every call, so a scanner bug becomes an `error`
    verdict rather than a lost message.
    """

    name: str

    def scan(self, message: Message, context: ScanContext) -> ScannerResult: ...
