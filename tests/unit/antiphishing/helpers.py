"""Messages built the way mail programs write them, and the scanners under test."""

from __future__ import annotations

from email.message import EmailMessage

from mailgate.config import AntiphishingSettings
from mailgate.message import parse_message
from mailgate.message.model import Message
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult
from mailgate.scanners.antiphishing import AntiphishingScanner
from mailgate.scanners.base import ScanContext

ACCEPTED = ("example.test",)


def mail(sender: str, subject: str, text: str | None = None, html: str | None = None,
         headers: dict[str, str] | None = None,
         attachment: tuple[bytes, str, str] | None = None) -> Message:
    """A message as a mail program writes it: text and/or HTML alternatives, optional attachment."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "alice@example.test"
    message["Subject"] = subject
    message["Message-ID"] = "<test@mailgate.test>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text if text is not None else "Hello,\n\nsee you.\n")
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        data, filename, mime = attachment
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return parse_message(message.as_bytes())


def html_only(sender: str, subject: str, html: str, headers: dict[str, str] | None = None) -> Message:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "alice@example.test"
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(html, subtype="html")
    return parse_message(message.as_bytes())


def context(accepted: tuple[str, ...] = ACCEPTED) -> ScanContext:
    envelope = Envelope(mail_from="bounce@sender.test", recipients=("alice@example.test",),
                        client_ip="192.0.2.25", helo="mail.sender.test")
    return ScanContext(envelope, "mx.example.test", accepted)


def scan(message: Message, settings: AntiphishingSettings | None = None,
         accepted: tuple[str, ...] = ACCEPTED) -> ScannerResult:
    return AntiphishingScanner(settings).scan(message, context(accepted))


def fired(result: ScannerResult) -> set[str]:
    return {c.test for c in result.reasons}
