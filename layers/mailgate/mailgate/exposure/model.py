"""The exposure index's port and what it answers: one hit per message that carried an indicator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mailgate.exposure.indicators import Indicator
from mailgate.scan.report import ScanReport

MAX_RECIPIENTS = 50  # named per index item; `recipients_count` says how many there were (the report has all)
MAX_SUBJECT = 300


@dataclass(frozen=True)
class ExposureHit:
    """One message that carried the indicator, as the index item holds it."""

    message_id: str
    received_at: str
    sender: str
    subject: str
    recipients: tuple[str, ...]
    recipients_count: int


@dataclass(frozen=True)
class ExposurePage:
    hits: tuple[ExposureHit, ...]
    next_token: str | None  # opaque; pass back to continue


class ExposureIndex(Protocol):
    def record(self, report: ScanReport) -> int: ...

    def search(self, indicator: Indicator, start: str, end: str, limit: int = 50,
               token: str | None = None) -> ExposurePage: ...
