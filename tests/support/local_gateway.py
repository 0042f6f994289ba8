"""Drive the local gateway the way a user does: SMTP in, the admin API and the delivered folder out."""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from mailgate.local.api_server import get_json
from mailgate.local.gateway import LocalGateway

T = TypeVar("T")
TERMINAL = {"delivered", "rejected", "deleted", "backup"}


def wait_for(probe: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Poll until probe() returns something truthy; a bounded wait, not a timed assertion."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s")
        time.sleep(interval)


def send(gw: LocalGateway, mail_from: str, recipients: Sequence[str], data: bytes) -> str:
    """Send over SMTP; return the gateway's message id from the '250 … queued as ID' reply."""
    with smtplib.SMTP(gw.options.host, gw.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        code, _ = smtp.mail(mail_from)
        assert code == 250
        for rcpt in recipients:
            code, reply = smtp.rcpt(rcpt)
            assert code == 250, reply
        code, reply = smtp.data(data)
        assert code == 250, reply
    return reply.decode().rsplit(" ", 1)[-1]


def simple_message(mail_from: str, to: str, subject: str, body: str = "Hello.\n",
                   extra_headers: Sequence[tuple[str, str]] = ()) -> bytes:
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = email.utils.make_msgid(domain=mail_from.rpartition("@")[2] or "local")
    msg["Date"] = email.utils.formatdate()
    for name, value in extra_headers:
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes(policy=email.policy.SMTP)


def events(gw: LocalGateway, message_id: str) -> list[dict[str, Any]]:
    status, body = get_json(f"{gw.api_url}/messages/{message_id}/events", gw.admin_token())
    return list(body["events"]) if status == 200 else []


def outcomes(gw: LocalGateway, message_id: str, recipients: int = 1) -> list[dict[str, Any]]:
    """Wait until every recipient of the message has a terminal event; return those events."""

    def terminal() -> list[dict[str, Any]] | None:
        found = [e for e in events(gw, message_id) if e["kind"] in TERMINAL]
        covered = {r.strip() for e in found for r in (e.get("recipient") or "").split(",") if r.strip()}
        return found if len(covered) >= recipients else None

    return wait_for(terminal)


def delivered(gw: LocalGateway, message_id: str) -> list[tuple[email.message.EmailMessage, dict[str, Any]]]:
    """Copies in the downstream folder that carry our id header."""
    found = []
    for path in sorted(Path(gw.delivered_dir).glob("*.eml")):
        raw = path.read_bytes()
        if f"X-Mailgate-Id: {message_id}".encode() in raw:
            envelope_path = path.with_suffix(".json")
            if not envelope_path.exists():  # the folder writes the message first, its envelope next
                continue
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            envelope = json.loads(envelope_path.read_text())
            found.append((parsed, envelope))
    return found


def delivered_raw(gw: LocalGateway, message_id: str) -> list[bytes]:
    """The bytes of each delivered copy, as the destination server received them."""
    return [path.read_bytes() for path in sorted(Path(gw.delivered_dir).glob("*.eml"))
            if f"X-Mailgate-Id: {message_id}".encode() in path.read_bytes() and path.with_suffix(".json").exists()]


def stored_handoff(message_id: str, recipients: Sequence[str]) -> dict[str, Any]:
    """The hand-off the scan step sent for a message local mode took, made again from its stored report (for a
    test that hands it to the rules function a second time)."""
    from mailgate.aws.mail_store import S3MailStore
    from mailgate.aws.scan_reports import ReportKeeper
    from mailgate.local.gateway import BUCKET, EVENTS_TABLE
    from mailgate.scan.handoff import HandOff, pack_report

    report = ReportKeeper(EVENTS_TABLE, S3MailStore(BUCKET)).get(message_id)
    assert report is not None, f"no stored scan report for {message_id}"
    return HandOff.carrying(report, pack_report(report), BUCKET, "", report.envelope.mail_from,
                            tuple(recipients)).to_dict()


def rules_record(handoff: dict[str, Any], receive_count: int, record_id: str = "record") -> dict[str, Any]:
    """An SQS record for the rules function, as Lambda's event source hands it over."""
    return {"messageId": record_id, "receiptHandle": "x", "body": json.dumps(handoff),
            "attributes": {"ApproximateReceiveCount": str(receive_count)}, "messageAttributes": {},
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mailgate-rules",
            "awsRegion": "us-east-1", "md5OfBody": ""}
