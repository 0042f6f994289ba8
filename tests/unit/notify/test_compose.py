"""A notification is a real message: parsed back, its headers and both bodies are what was promised."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import msgspec
import pytest

from mailgate.config import DeliverySettings, Route
from mailgate.delivery.smtp_relay import SmtpRelay
from mailgate.notify.audience import addressees, template_name_for
from mailgate.notify.compose import compose, is_notification, should_notify_sender
from mailgate.notify.context import NotificationContext, PartInfo
from mailgate.notify.templates import NotificationSettings, Template
from tests.support.smtp_servers import LOOPBACK, RecordingServer

SETTINGS = NotificationSettings(administrator_addresses=("admin@example.test",))
CONTEXT = NotificationContext(
    sender="eve@sender.test", sender_ip="192.0.2.7", all_recipients=("bob@example.test",),
    affected_recipients=("bob@example.test",), affected_rules=("Default",), subject="Grüße <aus> Köln",
    date="2026-11-28 10:00:00 UTC", message_id="gw-123", smtp_message_id="<orig.1@sender.test>",
    action="not delivered, the original is held in Backup", verdicts=("antivirus: infected",), backup_id="bk-9",
    parts=(PartInfo("eicar.com", 68, "infected: Eicar-Test-Signature"),))


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_an_html_notification_is_multipart_alternative_with_every_header():
    template = SETTINGS.template("admin_virus_found")
    assert template is not None
    raw = compose(SETTINGS, template, CONTEXT, SETTINGS.administrator_addresses, authserv_id="mx.example.test",
                  now=datetime(2026, 11, 28, 10, 5, tzinfo=UTC))
    assert raw.isascii()  # 7-bit: any relay takes it, no 8BITMIME needed
    msg = parse(raw)
    assert msg["From"] == "mailgate@mx.example.test"
    assert msg["To"] == "admin@example.test"
    assert msg["Subject"] == "[mailgate] Virus found in a message from eve@sender.test"
    assert msg["Date"] == "Sat, 28 Nov 2026 10:05:00 +0000"
    assert msg["Message-ID"].endswith("@mx.example.test>")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Mailgate-Notification"] == "admin_virus_found"
    assert msg["X-Mailgate-Id"] == "gw-123"
    assert msg["References"] == "<orig.1@sender.test>"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Subject: Grüße <aus> Köln" in text
    assert "eicar.com (68 bytes): infected: Eicar-Test-Signature" in text
    assert "gw-123" in text and "bk-9" in text
    assert "Grüße &lt;aus&gt; Köln" in html and "<li>eicar.com (68 bytes)" in html


def test_a_plain_notification_has_one_text_part_and_a_non_ascii_subject_is_rfc2047_encoded():
    settings = NotificationSettings(sender_address="postmaster@example.test")
    template = Template(name="plain", subject="Blocked: %SUBJECT%", body_text="Hello %SENDER%\n")
    raw = compose(settings, template, CONTEXT, ("eve@sender.test",))
    subject_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line
    msg = parse(raw)
    assert msg["Subject"] == "Blocked: Grüße <aus> Köln"
    assert msg["From"] == "postmaster@example.test"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().splitlines() == ["Hello eve@sender.test"]


def test_a_hostile_subject_never_becomes_a_header_of_the_notification():
    context = NotificationContext(**{**CONTEXT.__dict__, "subject": "hi\r\nBcc: victim@example.test"})
    raw = compose(SETTINGS, Template(name="x", subject="%SUBJECT%", body_text="%SUBJECT%"), context,
                  ("admin@example.test",))
    msg = parse(raw)
    assert msg["Bcc"] is None
    assert msg["Subject"] == "hi Bcc: victim@example.test"


def test_addresses_that_would_inject_headers_are_refused():
    template = Template(name="x", subject="s", body_text="t")
    with pytest.raises(ValueError, match=r"linefeed|carriage return"):
        compose(SETTINGS, template, CONTEXT, ("a@example.test\r\nBcc: v@example.test",))
    with pytest.raises(ValueError, match="at least one recipient"):
        compose(SETTINGS, template, CONTEXT, ())


def headers(*lines: str) -> bytes:
    return ("\r\n".join(["From: x@sender.test", "Subject: hi", *lines]) + "\r\n\r\nbody\r\n").encode()


def test_a_person_who_sent_ordinary_mail_may_be_notified():
    assert should_notify_sender("eve@sender.test", headers())
    assert should_notify_sender("<eve@sender.test>", headers("Auto-Submitted: no", "Precedence: first-class"))


@pytest.mark.parametrize(("mail_from", "raw"), [
    ("", headers()),  # a bounce
    ("<>", headers()),
    ("MAILER-DAEMON@sender.test", headers()),
    ("eve@sender.test", headers("Auto-Submitted: auto-replied")),  # an out-of-office answer
    ("eve@sender.test", headers("Auto-Submitted: auto-generated")),
    ("eve@sender.test", headers("Precedence: bulk")),
    ("eve@sender.test", headers("Precedence: junk")),
    ("eve@sender.test", headers("Precedence: list")),
    ("list-bounces@lists.test", headers("List-Id: <news.lists.test>")),
    ("eve@sender.test", headers("Content-Type: multipart/report; report-type=delivery-status; boundary=b")),
])
def test_automatic_mail_never_gets_a_notification_back(mail_from, raw):
    assert not should_notify_sender(mail_from, raw)


def test_a_notification_about_a_notification_is_never_sent():
    template = SETTINGS.template("sender_message_rejected")
    assert template is not None
    ours = compose(SETTINGS, template, CONTEXT, ("eve@sender.test",))
    assert is_notification(ours)
    assert not should_notify_sender("mailgate@mx.example.test", ours)
    assert not is_notification(headers())


@pytest.mark.parametrize(("who", "action", "verdict_class", "expected"), [
    ("administrator", "delete", "infected", "admin_virus_found"),
    ("administrator", "deliver", "probable_spam", "admin_message_held"),
    ("security@example.test", "delete_attachment", "infected", "admin_virus_found"),
    ("sender", "reject", "dmarc_reject", "sender_message_rejected"),
    ("sender", "delete_attachment", "delete_attachment", "sender_attachment_removed"),
    ("sender", "deliver", "probable_spam", None),
    ("recipients", "delete", "infected", "recipient_message_held"),
    ("recipients", "delete_attachment", "infected", "recipient_attachment_removed"),
])
def test_each_audience_and_action_has_its_default_template(who, action, verdict_class, expected):
    name = template_name_for(who, action, verdict_class)
    assert name == expected
    assert name is None or SETTINGS.template(name) is not None


def test_who_a_rule_names_becomes_addresses():
    assert addressees("administrator", SETTINGS, CONTEXT) == ("admin@example.test",)
    assert addressees("sender", SETTINGS, CONTEXT) == ("eve@sender.test",)
    assert addressees("sender", SETTINGS, NotificationContext(**{**CONTEXT.__dict__, "sender": "<>"})) == ()
    assert addressees("recipients", SETTINGS, CONTEXT) == ("bob@example.test",)
    assert addressees("soc@example.test", SETTINGS, CONTEXT) == ("soc@example.test",)
    assert addressees("administrator", NotificationSettings(), CONTEXT) == ()


def test_a_disabled_template_sends_nothing():
    settings = NotificationSettings(templates=(Template(name="admin_virus_found", subject="s", body_text="t",
                                                        enabled=False),))
    assert settings.template("admin_virus_found") is None


def test_a_notification_goes_out_through_the_smtp_delivery_path_from_the_null_sender():
    """What the rules step does with it: the same relay as delivered mail, MAIL FROM:<> as for bounces."""
    template = SETTINGS.template("recipient_attachment_removed")
    assert template is not None
    data = compose(SETTINGS, template, CONTEXT, CONTEXT.affected_recipients, authserv_id="mx.example.test")
    with RecordingServer() as server:
        route = msgspec.convert({"hosts": [{"host": LOOPBACK, "port": server.port}]}, Route)
        result = SmtpRelay(route, DeliverySettings(), helo_name="mx.example.test").deliver(
            "", CONTEXT.affected_recipients, data)
        [received] = server.messages
    assert result.accepted == ("bob@example.test",)
    assert (received.mail_from, received.rcpt_tos) == ("<>", ("bob@example.test",))  # aiosmtpd writes <>
    msg = parse(received.data)
    assert msg["X-Mailgate-Notification"] == "recipient_attachment_removed"
    assert "eicar.com (68 bytes): infected: Eicar-Test-Signature" in msg.get_content()
