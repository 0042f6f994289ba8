"""A message to 10,000 recipients is delivered to every one of them. Before, each event listing them
exceeded DynamoDB's 400 KB item limit on every attempt, so nobody got the mail. Now the rules step acts on
at most 50 recipients at a time (one SMTP transaction, event, Backup record and idempotency record each).
The local SMTP ingress takes them all in one transaction; the rules step must hold whatever it is given.

The recipients' names carry random text, so their scan report does not compress to one queue message: it goes to S3
and the rules step reads it there (aws/scan_reports.py), the path a report too large for the hand-off takes."""

from __future__ import annotations

import json
import secrets
import smtplib
from pathlib import Path

import pytest

from tests.support.local_gateway import events, simple_message, wait_for

pytestmark = pytest.mark.integration
COUNT = 10_000


@pytest.mark.timeout(300)
def test_ten_thousand_recipients_all_receive_the_message(gateway) -> None:
    recipients = [f"user{i:05d}-{secrets.token_hex(6)}@example.test" for i in range(COUNT)]
    data = simple_message("alice@sender.test", "all-staff@example.test", "to everyone")
    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=120) as smtp:
        smtp.ehlo("client.sender.test")
        assert smtp.mail("alice@sender.test")[0] == 250
        for rcpt in recipients:
            assert smtp.rcpt(rcpt)[0] == 250
        code, reply = smtp.data(data)
        assert code == 250, reply
    message_id = reply.decode().rsplit(" ", 1)[-1]

    def delivered_to() -> set[str] | None:
        found = {r.strip() for e in events(gateway, message_id) if e["kind"] == "delivered"
                 for r in (e.get("recipient") or "").split(",")}
        return found if len(found) >= COUNT else None

    assert wait_for(delivered_to, timeout=240, interval=1.0) == set(recipients)
    copies = [p for p in Path(gateway.delivered_dir).glob("*.json")
              if message_id in p.with_suffix(".eml").read_bytes().decode("latin-1")[:4000]]
    envelopes = [json.loads(p.read_text()) for p in copies]
    assert sorted(r for e in envelopes for r in e["recipients"]) == recipients
    assert max(len(e["recipients"]) for e in envelopes) <= 50
    received = next(e for e in events(gateway, message_id) if e["kind"] == "received")
    assert received["detail"]["envelope"]["recipients_count"] == COUNT
    from mailgate.aws.clients import client
    from mailgate.local.gateway import BUCKET

    stored = client("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"reports/{message_id}")["Contents"]
    assert [o["Key"] for o in stored] == [f"reports/{message_id}.json"]  # too large for the hand-off: in S3
