"""DMARC aligns on the SPF identity that was evaluated. A forger who sends `MAIL FROM:<@attacker.test>` (SPF
`+all`, so it passes) with `HELO bank.test` and `From: bank.test` must not get `dmarc=pass` for bank.test,
which publishes p=reject: the SPF result belongs to attacker.test (RFC 7208 §4.3: postmaster@attacker.test),
not to the HELO name.

The message reaches the scan function as SES delivers it (stored in S3, notified through the scan queue),
with the envelope a sender chose; the local SMTP ingress refuses such a MAIL FROM itself, as SES does."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from mailgate.aws import clients
from mailgate.local.gateway import BUCKET, LocalGateway
from mailgate.local.smtp_ingress import ses_notification, sns_envelope
from tests.support.local_gateway import delivered, events, outcomes

pytestmark = pytest.mark.integration


def deliver_as_ses(gw: LocalGateway, mail_from: str, helo: str, data: bytes) -> str:
    """What SES's receipt rule does: the message stored with its Received line, then the notification."""
    message_id = uuid.uuid4().hex
    received = (f"Received: from {helo} (127.0.0.1 [127.0.0.1])\r\n\tby mailgate.local with ESMTP id {message_id}"
                f"\r\n\tfor <bob@example.test>; Fri, 04 Dec 2026 10:00:00 +0000\r\n").encode()
    key = f"incoming/{message_id}"
    clients.client("s3").put_object(Bucket=BUCKET, Key=key, Body=received + data)
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="mailgate-scan")["QueueUrl"]
    timestamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    note = sns_envelope(ses_notification(message_id, BUCKET, key, mail_from, ["bob@example.test"], timestamp))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(note))
    return message_id


FORGERY = (b"From: Bank Security <security@bank.test>\r\nTo: bob@example.test\r\nSubject: verify your account\r\n"
           b"Message-ID: <forged@attacker.test>\r\n\r\nClick here.\r\n")


@pytest.mark.parametrize("mail_from", ["@attacker.test", "attacker.test"])
def test_an_spf_pass_for_the_attackers_domain_does_not_align_with_the_victims_from(
        gateway, mail_from: str) -> None:
    message_id = deliver_as_ses(gateway, mail_from, "bank.test", FORGERY)
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "delivered" not in kinds and not delivered(gateway, message_id)
    scanned = next(e for e in events(gateway, message_id)
                   if e["kind"] == "scanned" and e["summary"].startswith("authentication"))
    details = scanned["detail"]["result"]["details"]
    assert details["spf"]["domain"] == "attacker.test" and details["spf"]["result"] == "pass"
    assert details["dmarc"]["result"] == "fail" and details["dmarc"]["from_domain"] == "bank.test"
