"""The worst envelope and header bytes a sender can send never lose the message: invalid UTF-8 and lone
surrogates in MAIL FROM (with SMTPUTF8), NUL and control characters, a 4,000-character sender, header values
with every byte; each message ends delivered, rejected or in Backup, and its events can be read. Before,
an invalid UTF-8 MAIL FROM made every DynamoDB write fail, the last-resort Backup record included, and the
message went to the dead-letter queue with no trace."""

from __future__ import annotations

import socket

import pytest

from mailgate.local.gateway import LocalGateway
from tests.support.local_gateway import events, outcomes
from tests.support.ses_events import deliver_as_ses

pytestmark = pytest.mark.integration

EVERY_BYTE = bytes(b for b in range(256) if b not in (10, 13))


def smtp_send(gw: LocalGateway, mail_from: bytes, data: bytes) -> str | bytes:
    """The gateway's message id, or the 5xx reply that refused the envelope (as SES refuses it)."""
    with socket.create_connection((gw.options.host, gw.options.smtp_port), timeout=30) as sock:
        reader = sock.makefile("rb")

        def reply() -> bytes:
            lines = [reader.readline()]
            while lines[-1][3:4] == b"-":
                lines.append(reader.readline())
            return b"".join(lines)

        assert reply().startswith(b"220")
        for command in (b"EHLO client.sender.test", b"MAIL FROM:<" + mail_from + b"> SMTPUTF8",
                        b"RCPT TO:<bob@example.test>", b"DATA"):
            sock.sendall(command + b"\r\n")
            answer = reply()
            if answer[:1] == b"5" and command.startswith(b"MAIL"):
                return answer
            assert answer[:1] in (b"2", b"3"), (command[:40], answer)
        sock.sendall(data + b"\r\n.\r\n")
        answer = reply()
        assert answer.startswith(b"250"), answer
        sock.sendall(b"QUIT\r\n")
    return answer.decode("ascii", "replace").split()[-1]


SENDERS = {
    "invalid-utf8": b"\xff\xfe\xc3x@sender.test",
    "encoded-surrogates": b"\xed\xa0\x80\xed\xb0\x80@sender.test",
    "nul-and-controls": b"a\x00b\x01c\x1b[31m@sender.test",
    "very-long": b"a" * 4000 + b"@sender.test",
}


@pytest.mark.parametrize("sender", SENDERS.values(), ids=SENDERS.keys())
def test_a_hostile_envelope_and_headers_never_lose_the_message(gateway, sender: bytes) -> None:
    data = (b"From: \xff\xfe <" + sender + b">\r\nTo: bob@example.test\r\nSubject: " + EVERY_BYTE[:200] +
            b"\r\nX-Every-Byte: " + EVERY_BYTE + b"\r\nMessage-ID: <" + EVERY_BYTE[40:120] + b">\r\n\r\n"
            b"Body " + EVERY_BYTE + b"\r\n")
    message_id = smtp_send(gateway, sender, data)
    if isinstance(message_id, bytes):  # refused during SMTP, with the reason: nothing was accepted to lose
        assert len(message_id) > 8, message_id
        message_id = deliver_as_ses(gateway, sender.decode("utf-8", "surrogateescape"), "client.sender.test", data)
    finals = outcomes(gateway, message_id)
    assert {e["kind"] for e in finals} & {"delivered", "rejected", "backup"}, finals
    received = next(e for e in events(gateway, message_id) if e["kind"] == "received")
    mail_from = received["detail"]["envelope"]["mail_from"]
    assert mail_from.endswith("@sender.test") and len(mail_from) <= 1024
    assert not any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 0x20 for c in mail_from)
