"""The anti-virus scanner's `details`, declared: what the rules engine and notifications read (threats, each
stream's verdict, whether the infected attachments can be cut out) as typed fields. The scanner writes them
as JSON in the scan report (scanner.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailgate.scan.details import ScannerDetails, read_details


class StreamDetails(ScannerDetails, frozen=True):
    """The whole message or one attachment, as clamd saw it."""

    part_path: str | None = None  # None: the whole message
    filename: str | None = None
    verdict: str | None = None
    threats: tuple[str, ...] = ()
    reason: str | None = None  # the findings behind a verdict other than clean


class AntivirusDetails(ScannerDetails, frozen=True):
    threats: tuple[str, ...] = ()
    message: StreamDetails = StreamDetails()
    parts: tuple[StreamDetails, ...] = ()  # every part that is not clean, and the first clean ones
    removable: bool = False  # cutting out the infected attachments leaves a message known to be clean
    on_infected: str | None = None  # the scanner's setting: "remove_parts" or the rule's action

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> AntivirusDetails:
        return read_details(cls, details)
