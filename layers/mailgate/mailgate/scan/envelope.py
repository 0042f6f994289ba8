"""The SMTP envelope as SES (or the local ingress) saw it: the only truth about recipients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import msgspec

from mailgate.documents import Document
from mailgate.safe_text import checked_envelope_text, envelope_text

Direction = Literal["inbound", "outbound"]


class Envelope(Document, frozen=True):
    """Who sent the message to whom, from where. Bcc recipients exist only here. `client_ip` is text (an
    `ipaddress` object given here is written as text): the scanners and the stored report read it so."""

    mail_from: str
    recipients: tuple[str, ...]
    client_ip: str | None = None
    helo: str | None = None
    ses_message_id: str | None = None
    received_at: str | None = None  # ISO 8601, UTC
    # SES's own verdicts (spf, dkim, dmarc, spam, virus): recorded as inputs, never decisive.
    ses_verdicts: dict[str, str] = msgspec.field(default_factory=dict)
    # What was wrong with the strings as they arrived ("MAIL FROM: invalid UTF-8 …"): the received event shows it.
    problems: tuple[str, ...] = ()
    # outbound: the organisation's own mail, from its authenticated ingress (the outgoing/ prefix), never a
    # sender's claim; authenticated_as: the login it used, where the ingress knows one (local submission)
    direction: Direction = "inbound"
    authenticated_as: str | None = None

    read_defaults: ClassVar[Mapping[str, Any]] = {"mail_from": "", "recipients": ()}

    def __post_init__(self) -> None:
        """Every envelope string is made valid, printable and bounded where mail enters (mailgate.safe_text),
        and what had to change is recorded."""
        problems = list(self.problems)

        def checked(role: str, text: str, limit: int | None = None) -> str:
            safe, found = checked_envelope_text(text, limit) if limit else checked_envelope_text(text)
            problems.extend(f"{role}: {p}" for p in found)
            return safe

        msgspec.structs.force_setattr(self, "mail_from", checked("MAIL FROM", self.mail_from))
        msgspec.structs.force_setattr(self, "recipients", tuple(checked("RCPT TO", r) for r in self.recipients))
        if self.helo is not None:
            msgspec.structs.force_setattr(self, "helo", checked("HELO", self.helo, 255))
        for name in ("ses_message_id", "received_at", "client_ip", "authenticated_as"):
            if (value := getattr(self, name)) is not None:
                msgspec.structs.force_setattr(self, name, envelope_text(str(value), 255))
        msgspec.structs.force_setattr(self, "problems", tuple(dict.fromkeys(problems))[:20])

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        if not data["problems"]:
            del data["problems"]
        if data.get("direction") == "inbound":  # the stored form of inbound mail stays as it was
            del data["direction"]
        if data.get("authenticated_as") is None:
            data.pop("authenticated_as", None)
        return data
