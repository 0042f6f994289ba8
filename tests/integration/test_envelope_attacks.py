"""The worst envelope and header bytes a sender can send never lose the message: invalid UTF-8 and lone
surrogates in MAIL FROM (with SMTPUTF8), NUL and control characters, a 4,000-character sender, header values
with every byte; each message ends delivered, rejected or in Backup, and its events can be read. Before,
an invalid UTF-8 MAIL FROM made every DynamoDB write fail, the last-resort Backup record included, and the
message went to the dead-letter queue with no trace."""

from __future__ import annotations

import pytest

from mailgate.aws import clients
from mailgate.local.gateway import LocalGateway
from tests.support.local_gateway import events, outcomes
from tests.support.raw_smtp import raw_smtp_send
from tests.support.ses_events import deliver_as_ses

pytestmark = pytest.mark.integration

EVERY_BYTE = bytes(b for b in range(256) if b not in (10, 13))


def smtp_send(gw: LocalGateway, mail_from: bytes, data: bytes, rcpt: bytes = b"bob@example.test") -> str | bytes:
    """The gateway's message id, or the 5xx reply that refused the message (as SES refuses it)."""
    return raw_smtp_send(gw, data, mail_from, rcpt, utf8=True)


def in_dead_letter_queues(message_id: str) -> list[str]:
    """Bodies naming the message in the scan or rules dead-letter queue (looked at, left in place)."""
    sqs = clients.client("sqs")
    found = []
    for name in ("mailgate-scan-dlq", "mailgate-rules-dlq"):
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        found += [m["Body"] for m in reply.get("Messages", []) if message_id in m["Body"]]
    return found


SENDERS = {
    "invalid-utf8": b"\xff\xfe\xc3x@sender.test",
    "encoded-surrogates": b"\xed\xa0\x80\xed\xb0\x80@sender.test",
    "nul-and-controls": b"a\x00b\x01c\x1b[31m@sender.test",
    "very-long": b"a" * 4000 + b"@sender.test",
    "100-kb": b"\xff\x00" * 50_000 + b"@sender.test",
}
# A subject of a megabyte, folded into lines SMTP carries, with every byte but CR and LF.
HUGE_SUBJECT = b"\r\n ".join([EVERY_BYTE[:900]] * 1200)


@pytest.mark.parametrize("sender", SENDERS.values(), ids=SENDERS.keys())
def test_a_hostile_envelope_and_headers_never_lose_the_message(gateway, sender: bytes) -> None:
    data = (b"From: \xff\xfe <" + sender + b">\r\nTo: bob@example.test\r\nSubject: " + HUGE_SUBJECT +
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
    assert received["detail"]["envelope"]["problems"], "what was wrong with MAIL FROM is recorded"
    assert not in_dead_letter_queues(message_id)


def test_lone_surrogates_in_the_ses_event_never_lose_the_message(gateway) -> None:
    """The scan function's input is JSON: a notification can carry \\udcff escapes, which decode to lone
    surrogates that no DynamoDB write accepts."""
    message_id = deliver_as_ses(gateway, "\udcff\ud800\x00x@sender.test", "client.sender.test",
                                b"From: x@sender.test\r\nSubject: \xff\r\n\r\nbody\r\n",
                                ("bob@example.test", "\udcffbob@example.test", "b" * 100_000 + "@example.test"))
    finals = outcomes(gateway, message_id, recipients=3)
    assert {e["kind"] for e in finals} <= {"delivered", "rejected", "backup"}, finals
    received = next(e for e in events(gateway, message_id) if e["kind"] == "received")
    envelope = received["detail"]["envelope"]
    assert envelope["mail_from"] == "\\udcff\\ud800\\x00x@sender.test"
    assert max(len(r) for r in envelope["recipients"]) <= 1024
    assert any(p.startswith("RCPT TO: 100013 characters") for p in envelope["problems"]), envelope
    assert not in_dead_letter_queues(message_id)


@pytest.mark.parametrize("rcpt", [b"bo\xffb@example.test", b"bo\x00b@example.test", b"b" * 100_000 + b"@example.test"])
def test_a_hostile_recipient_never_loses_the_message(gateway, rcpt: bytes) -> None:
    data = b"From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: odd rcpt\r\n\r\nbody\r\n"
    message_id = smtp_send(gateway, b"alice@sender.test", data, rcpt)
    if isinstance(message_id, bytes):  # refused during SMTP, with the reason: nothing was accepted to lose
        assert len(message_id) > 8, message_id
        message_id = deliver_as_ses(gateway, "alice@sender.test", "client.sender.test", data,
                                    (rcpt.decode("utf-8", "surrogateescape"),))
    finals = outcomes(gateway, message_id)
    # a 100,000-character RCPT TO in our own Received line cuts the header parse: held in Backup, fail-closed
    assert {e["kind"] for e in finals} & {"delivered", "rejected", "backup"}, finals
    received = next(e for e in events(gateway, message_id) if e["kind"] == "received")
    assert received["detail"]["envelope"]["problems"]
    assert not in_dead_letter_queues(message_id)
