"""Content Filtering's `details`, declared: what the rules engine and notifications read (each triggered
expression with its action, parts and recipients, the expressions it could not decide, the attachments'
names) as typed fields. The scanner writes them as JSON in the scan report (scanner.py); `of` reads them back
leniently: a malformed field reads as its default, never as a crash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from mailgate.scan.details import ScannerDetails, read_details


class HeaderChanges(ScannerDetails, frozen=True):
    remove: tuple[str, ...] = ()
    set_: dict[str, str] = msgspec.field(default_factory=dict, name="set")


class MatchDetails(ScannerDetails, frozen=True):
    """One triggered expression: its own action and options, what its conditions matched, the attachments
    it names (delete_attachment) and the recipients it applies to (None: every one)."""

    expression: str = ""
    action: str = "skip"
    backup: bool = False
    conditions: tuple[dict[str, Any], ...] = ()
    parts: tuple[str, ...] = ()
    recipients: tuple[str, ...] | None = None
    header_changes: HeaderChanges = HeaderChanges()

    def applies_to(self, recipient: str | None) -> bool:
        return _applies(self.recipients, recipient)


class UndecidedDetails(ScannerDetails, frozen=True):
    """An expression not decided: reason "error" (a condition could not be evaluated) or "unseen"."""

    expression: str = ""
    reason: str = ""
    detail: str = ""
    recipients: tuple[str, ...] | None = None

    def applies_to(self, recipient: str | None) -> bool:
        return _applies(self.recipients, recipient)


class ContentFilterDetails(ScannerDetails, frozen=True):
    matches: tuple[MatchDetails, ...] = ()
    undecided: tuple[UndecidedDetails, ...] = ()
    part_names: dict[str, str | None] = msgspec.field(default_factory=dict)  # part path → attachment name
    incomplete: bool = False  # a parsing bound cut something: not everything was seen

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> ContentFilterDetails:
        return read_details(cls, details)


def _applies(recipients: tuple[str, ...] | None, recipient: str | None) -> bool:
    """No recipient given (whoever), an expression for everyone, or one that names this recipient."""
    return not recipient or recipients is None or recipient.lower() in (r.lower() for r in recipients)
