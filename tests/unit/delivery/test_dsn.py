"""Bounces: what the sender gets back, and when nobody gets anything."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

import pytest

from mailgate.config import DeliverySettings, Route, SmtpHost
from mailgate.delivery.dsn import build_bounce, should_bounce
from mailgate.delivery.smtp_relay import SmtpRelay
from tests.support.smtp_servers import LOOPBACK, RecordingServer

BODY_MARKER = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
ORIGINAL = (
    b"Received: from mx.example.org (mx.example.org [192.0.2.7]) by gw.corp.test; "
    b"Tue, 02 Jan 2024 09:30:00 +0000\r\n"
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@corp.test>, Carol <carol@corp.test>\r\n"
    b"Subject: Invoice 2024-001\r\n"
    b"Message-ID: <inv-001@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"Please see the attached invoice.\r\n" + BODY_MARKER + b"\r\n"
)
FAILED = {
    "bob@corp.test": ("5.1.1", "550 5.1.1 No such user"),
    "carol@corp.test": ("5.7.1", "the message contains a virus"),
}


def bounce(original: bytes = ORIGINAL, mail_from: str = "alice@example.org",
           failed: dict[str, tuple[str, str]] | None = None) -> bytes:
    return build_bounce(original, mail_from, failed or FAILED, "gw.corp.test", "mailer-daemon@corp.test",
                        "the message contains a virus")


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def parts(raw: bytes) -> list[EmailMessage]:
    return list(parse(raw).iter_parts())  # type: ignore[arg-type]


def status_blocks(raw: bytes) -> list[Message]:
    payload = parts(raw)[1].get_payload()
    assert isinstance(payload, list)
    return [block for block in payload if isinstance(block, Message)]


def test_a_bounce_is_a_parsable_multipart_report_of_delivery_status() -> None:
    report = parse(bounce())

    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    assert [p.get_content_type() for p in report.iter_parts()] == [
        "text/plain", "message/delivery-status", "text/rfc822-headers"]
    assert not report.defects


def test_the_status_part_names_each_failed_recipient_with_its_status() -> None:
    per_message, *per_recipient = status_blocks(bounce())

    assert per_message["Reporting-MTA"] == "dns; gw.corp.test"
    assert per_message["Arrival-Date"] == "Tue, 02 Jan 2024 09:30:00 +0000"  # from the Received header
    fields = ("Final-Recipient", "Action", "Status", "Diagnostic-Code")
    assert [tuple(b[f] for f in fields) for b in per_recipient] == [
        ("rfc822; bob@corp.test", "failed", "5.1.1", "smtp; 550 5.1.1 No such user"),
        ("rfc822; carol@corp.test", "failed", "5.7.1", "X-Mailgate; the message contains a virus"),
    ]


def test_the_original_headers_come_back_but_never_its_body() -> None:
    raw = bounce()

    returned = parts(raw)[2].get_content()
    assert "Subject: Invoice 2024-001" in returned
    assert "Message-ID: <inv-001@example.org>" in returned
    assert BODY_MARKER not in raw
    assert b"Please see the attached invoice" not in raw


def test_the_sender_reads_the_reason_in_plain_words() -> None:
    text = parts(bounce())[0].get_content()

    assert "could not be delivered" in text
    assert "Reason: the message contains a virus" in text
    assert "bob@corp.test: 550 5.1.1 No such user" in text
    assert "Subject of your message: Invoice 2024-001" in text


def test_a_bounce_is_addressed_to_the_sender_and_marked_automatic() -> None:
    report = parse(bounce())

    assert report["To"] == "alice@example.org"
    assert report["From"].addresses[0].addr_spec == "mailer-daemon@corp.test"
    assert report["Auto-Submitted"] == "auto-replied"
    assert report["In-Reply-To"] == "<inv-001@example.org>"
    assert report["Message-ID"].endswith("@gw.corp.test>")


def test_international_addresses_are_reported_in_utf8_form() -> None:
    raw = bounce(mail_from="jürgen@example.org", failed={"zoë@corp.test": ("5.1.1", "550 5.1.1 unknown")})

    report = parse(raw)
    assert report["To"] == "jürgen@example.org"
    [_, recipient] = status_blocks(raw)
    assert recipient["Final-Recipient"] == "utf-8; zo\\x{EB}@corp.test"


def test_arrival_date_can_be_given_and_defaults_to_now_without_received() -> None:
    headers_only = b"From: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    given = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

    raw = build_bounce(headers_only, "alice@example.org", FAILED, "gw.corp.test", "mailer-daemon@corp.test",
                       "refused", arrival_date=given)
    assert status_blocks(raw)[0]["Arrival-Date"] == "Mon, 06 May 2024 07:08:09 +0000"
    raw = build_bounce(headers_only, "alice@example.org", FAILED, "gw.corp.test", "mailer-daemon@corp.test",
                       "refused")
    assert str(datetime.now(UTC).year) in status_blocks(raw)[0]["Arrival-Date"]


def test_huge_original_headers_are_cut() -> None:
    huge = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 70) for i in range(2000)) + b"\r\nbody\r\n"

    raw = bounce(original=huge)

    assert len(raw) < 100_000
    assert parse(raw).get_content_type() == "multipart/report"


@pytest.mark.parametrize("mail_from", ["", "<>", " <> ", "MAILER-DAEMON@example.org", "mailer-daemon",
                                       "postmaster@example.org", "<Postmaster@example.org>"])
def test_no_bounce_to_null_senders_or_mail_daemons(mail_from: str) -> None:
    assert not should_bounce(mail_from)


def test_an_ordinary_sender_gets_a_bounce() -> None:
    assert should_bounce("alice@example.org")
    assert should_bounce("<alice@example.org>", ORIGINAL)
    assert should_bounce("alice@example.org", b"Auto-Submitted: no\r\nSubject: x\r\n\r\nbody\r\n")


def test_a_bounce_is_never_bounced() -> None:
    assert not should_bounce("alice@example.org", bounce())


def test_automatic_messages_are_never_bounced() -> None:
    vacation = b"Auto-Submitted: auto-replied (vacation)\r\nSubject: Out of office\r\n\r\naway\r\n"
    read_receipt = (b"Content-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n"
                    b"\r\n--x--\r\n")

    assert not should_bounce("alice@example.org", vacation)
    assert not should_bounce("alice@example.org", read_receipt)


def test_a_bounce_goes_out_from_the_null_sender() -> None:
    with RecordingServer() as sender_mx:
        relay = SmtpRelay(Route(hosts=(SmtpHost(host=LOOPBACK, port=sender_mx.port),)), DeliverySettings(),
                          helo_name="gw.corp.test")
        raw = bounce()
        relay.deliver("", ["alice@example.org"], raw)

        [received] = sender_mx.messages
    assert received.mail_from == "<>"  # aiosmtpd keeps the null path as written
    assert received.data == raw
    assert received.rcpt_tos == ("alice@example.org",)
