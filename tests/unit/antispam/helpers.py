"""Constructed messages and a scanner wired like the registry's, for the anti-spam tests."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from mailgate.config import AntispamSettings
from mailgate.dns import Resolver
from mailgate.message import Message, parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult
from mailgate.scanners.antispam import AntispamScanner
from mailgate.scanners.antispam.learning import OrganisationModel
from mailgate.scanners.base import ScanContext

FIXED_DATE = format_datetime(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))

CONVERSATION = (
    "Hi Anna,\n\nThanks for the notes from Tuesday's meeting. I went through the budget sheet and the\n"
    "numbers for the second quarter look right to me, except the travel line, which still has the\n"
    "old hotel rate. Could you check it with Marc before Friday? I will send the revised draft of the\n"
    "project plan tomorrow morning.\n\nBest regards,\nJulia\n"
)
SPAM_TEXT = (
    "Dear friend,\n\nCONGRATULATIONS! You have been selected to receive a FREE gift card worth $500.\n"
    "Click here now to claim your prize before this limited time offer expires!!! Act now, no credit\n"
    "card required, 100% guaranteed. Lowest prices on viagra and cialis, order online today and save\n"
    "90%. To be removed from our mailing list click here.\n\nhttp://203.0.113.9/claim?id=12345\n"
)


def build(
    body: str = CONVERSATION,
    subject: str = "Re: budget for Q2",
    sender: str = "Julia Meyer <julia@partner.test>",
    to: str = "anna@example.test",
    headers: dict[str, str] | None = None,
    html: str | None = None,
    message_id: str = "<a1b2c3@partner.test>",
) -> Message:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = FIXED_DATE
    msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return parse_message(msg.as_bytes())


def context(mail_from: str = "julia@partner.test", client_ip: str | None = "192.0.2.25") -> ScanContext:
    return ScanContext(Envelope(mail_from, ("anna@example.test",), client_ip=client_ip), "mx.example.test",
                       ("example.test",))


def scanner(
    resolver: Resolver | None = None,
    settings: AntispamSettings | None = None,
    organisation: OrganisationModel | None = None,
) -> AntispamScanner:
    return AntispamScanner(resolver or Resolver(no_network=True), settings, organisation)


def names_fired(result: ScannerResult) -> set[str]:
    return {c.test for c in result.reasons}
