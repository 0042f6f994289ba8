"""The SMTP envelope as SES (or the local ingress) saw it: the only truth about recipients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailgate.safe_text import envelope_text


@dataclass(frozen=True)
class Envelope:
    """Who sent the message to whom, from where. Bcc recipients exist only here."""

    mail_from: str
    recipients: tuple[str, ...]
    client_ip: str | None = None
    helo: str | None = None
    ses_message_id: str | None = None
    received_at: str | None = None  # ISO 8601, UTC
    # SES's own verdicts (spf, dkim, dmarc, spam, virus): recorded as inputs, never decisive.
    ses_verdicts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Every envelope string is made safe where mail enters (see mailgate.safe_text)."""
        object.__setattr__(self, "mail_from", envelope_text(self.mail_from))
        object.__setattr__(self, "recipients", tuple(envelope_text(r) for r in self.recipients))
        if self.helo is not None:
            object.__setattr__(self, "helo", envelope_text(self.helo, 255))

    def to_dict(self) -> dict[str, Any]:
        return {
            "mail_from": self.mail_from,
            "recipients": list(self.recipients),
            "client_ip": self.client_ip,
            "helo": self.helo,
            "ses_message_id": self.ses_message_id,
            "received_at": self.received_at,
            "ses_verdicts": dict(self.ses_verdicts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        return cls(
            mail_from=str(data.get("mail_from") or ""),
            recipients=tuple(str(r) for r in data.get("recipients") or ()),
            client_ip=data.get("client_ip"),
            helo=data.get("helo"),
            ses_message_id=data.get("ses_message_id"),
            received_at=data.get("received_at"),
            ses_verdicts={str(k): str(v) for k, v in (data.get("ses_verdicts") or {}).items()},
        )
