"""The SMTP envelope as SES (or the local ingress) saw it: the only truth about recipients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailgate.safe_text import checked_envelope_text, envelope_text


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
    # What was wrong with the strings as they arrived ("MAIL FROM: invalid UTF-8 …"): the received event shows it.
    problems: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Every envelope string is made valid, printable and bounded where mail enters (mailgate.safe_text),
        and what had to change is recorded."""
        problems = list(self.problems)

        def checked(role: str, text: str, limit: int | None = None) -> str:
            safe, found = checked_envelope_text(text, limit) if limit else checked_envelope_text(text)
            problems.extend(f"{role}: {p}" for p in found)
            return safe

        object.__setattr__(self, "mail_from", checked("MAIL FROM", self.mail_from))
        object.__setattr__(self, "recipients", tuple(checked("RCPT TO", r) for r in self.recipients))
        if self.helo is not None:
            object.__setattr__(self, "helo", checked("HELO", self.helo, 255))
        for name in ("ses_message_id", "received_at", "client_ip"):
            if (value := getattr(self, name)) is not None:
                object.__setattr__(self, name, envelope_text(str(value), 255))
        object.__setattr__(self, "problems", tuple(dict.fromkeys(problems))[:20])

    def to_dict(self) -> dict[str, Any]:
        return {
            "mail_from": self.mail_from,
            "recipients": list(self.recipients),
            "client_ip": self.client_ip,
            "helo": self.helo,
            "ses_message_id": self.ses_message_id,
            "received_at": self.received_at,
            "ses_verdicts": dict(self.ses_verdicts),
            **({"problems": list(self.problems)} if self.problems else {}),
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
            problems=tuple(str(p) for p in data.get("problems") or ()),
        )
