"""Shared helpers for the authentication tests: messages, parsing, scan contexts."""

from __future__ import annotations

from mailgate.message import Message, parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scanners.base import ScanContext

AUTHSERV_ID = "mx.mailgate.test"


def plain_message(from_addr: str = "Alice <alice@sender.test>", to: str = "bob@example.test",
                  subject: str = "Quarterly report", body: str = "Numbers attached.\r\n",
                  message_id: str | None = "<20260101.1@sender.test>", extra: str = "",
                  newline: str = "\r\n") -> bytes:
    headers = [f"From: {from_addr}", f"To: {to}", f"Subject: {subject}",
               "Date: Thu, 01 Jan 2026 10:00:00 +0000", "MIME-Version: 1.0",
               "Content-Type: text/plain; charset=utf-8"]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    text = newline.join(headers) + newline + extra + newline + body.replace("\r\n", newline)
    return text.encode()


def load_message(raw: bytes) -> Message:
    """The real parser: the scanner reads only raw, header(), header_all(), from_addresses, message_id."""
    return parse_message(raw)


def context(client_ip: str | None = "127.0.0.1", mail_from: str = "alice@sender.test",
            helo: str | None = "client.sender.test") -> ScanContext:
    envelope = Envelope(mail_from=mail_from, recipients=("bob@example.test",), client_ip=client_ip, helo=helo)
    return ScanContext(envelope, AUTHSERV_ID, ("example.test",))
