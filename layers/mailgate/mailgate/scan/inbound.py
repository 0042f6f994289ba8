"""Every shape in which a received message reaches `scan`, mapped to one InboundMail at the edge.

Production: SES receipt rule → S3 action with an SNS topic → SQS → Lambda; the SNS notification
carries `mail`, `receipt` and `receipt.action.bucketName/objectKey`. Also accepted: SNS invoking the
function directly, the SES Lambda-action event (no body, the key is prefix + messageId), and S3
ObjectCreated notifications (no envelope: recipients then come from the headers, flagged).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from mailgate.scan.envelope import Envelope

VERDICTS = ("spf", "dkim", "dmarc", "spam", "virus")
RESCAN_KEY = "mailgate_rescan"  # mailgate.quarantine.rescan.BODY_KEY


class IngressError(ValueError):
    """The event is not a shape we know; the message says what was found."""


@dataclass(frozen=True)
class InboundMail:
    message_id: str
    bucket: str
    key: str
    envelope: Envelope | None  # None when the event carried no envelope (S3 ObjectCreated)
    rescan: dict[str, Any] | None = None  # a held message scanned again (mailgate.quarantine.rescan)


def _envelope_from_ses(mail: dict[str, Any], receipt: dict[str, Any]) -> Envelope:
    verdicts = {}
    for name in VERDICTS:
        status = (receipt.get(f"{name}Verdict") or {}).get("status")
        if status:
            verdicts[name] = str(status)
    login = (receipt.get("mailgate") or {}).get("authenticated_as") if isinstance(receipt.get("mailgate"), dict) \
        else None
    return Envelope(
        mail_from=str(mail.get("source") or ""),
        recipients=tuple(str(r) for r in receipt.get("recipients") or mail.get("destination") or ()),
        ses_message_id=str(mail.get("messageId") or ""),
        received_at=receipt.get("timestamp") or mail.get("timestamp"),
        ses_verdicts=verdicts,
        authenticated_as=str(login) if login else None,  # trusted only for the outgoing/ prefix (scan.service)
    )


def _from_ses_notification(note: dict[str, Any], bucket: str, prefix: str) -> InboundMail:
    mail, receipt = note.get("mail") or {}, note.get("receipt") or {}
    message_id = str(mail.get("messageId") or "")
    if not message_id:
        raise IngressError("SES notification without mail.messageId")
    action = receipt.get("action") or {}
    if action.get("type") == "S3" and action.get("objectKey"):
        bucket, key = str(action.get("bucketName") or bucket), str(action["objectKey"])
    else:  # Lambda action or SNS action without the S3 details: the S3 action's prefix + messageId
        key = f"{prefix}{message_id}"
    if not bucket:
        raise IngressError(f"no bucket for message {message_id}: set MAIL_BUCKET")
    return InboundMail(message_id, bucket, key, _envelope_from_ses(mail, receipt))


def _from_s3_record(record: dict[str, Any]) -> InboundMail:
    s3 = record["s3"]
    key = unquote_plus(str(s3["object"]["key"]))
    return InboundMail(key.rsplit("/", 1)[-1], str(s3["bucket"]["name"]), key, None)


def _from_rescan(payload: dict[str, Any]) -> InboundMail:
    """A held message handed back by the scheduler: the stored original, its first envelope, the held recipients."""
    from mailgate.quarantine.rescan import RescanRequest  # noqa: PLC0415 - only re-scans need it

    try:
        request = RescanRequest.from_body(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise IngressError(f"malformed re-scan request: {exc}") from exc
    first = request.envelope
    envelope = Envelope(mail_from=str(first.get("mail_from") or ""), recipients=request.recipients,
                        client_ip=first.get("client_ip"), helo=first.get("helo"),
                        received_at=first.get("received_at"))
    return InboundMail(request.message_id, request.bucket, request.key, envelope, request.facts())


def _from_payload(payload: dict[str, Any], bucket: str, prefix: str) -> Iterator[InboundMail]:
    if payload.get("Type") == "Notification" and "Message" in payload:  # SNS envelope inside SQS
        yield from _from_payload(json.loads(payload["Message"]), bucket, prefix)
    elif payload.get("Event") == "s3:TestEvent":
        return
    elif "Records" in payload:
        yield from parse_inbound_event(payload, bucket, prefix)
    elif RESCAN_KEY in payload:
        yield _from_rescan(payload)
    elif "mail" in payload and "receipt" in payload:
        yield _from_ses_notification(payload, bucket, prefix)
    else:
        raise IngressError(f"unknown notification shape with keys {sorted(payload)[:8]}")


def parse_inbound_event(event: dict[str, Any], bucket: str = "", prefix: str = "incoming/"
                        ) -> Iterator[InboundMail]:
    """Yield every message an event announces; raise IngressError for an unknown shape."""
    records = event.get("Records")
    if not isinstance(records, list):
        yield from _from_payload(event, bucket, prefix)
        return
    for record in records:
        source = record.get("eventSource") or record.get("EventSource")
        if source == "aws:sqs":
            yield from _from_payload(json.loads(record["body"]), bucket, prefix)
        elif source == "aws:sns":
            yield from _from_payload(json.loads(record["Sns"]["Message"]), bucket, prefix)
        elif source == "aws:ses":
            ses = record["ses"]
            yield _from_ses_notification({"mail": ses["mail"], "receipt": ses["receipt"]}, bucket, prefix)
        elif source == "aws:s3":
            yield _from_s3_record(record)
        else:
            raise IngressError(f"unknown event source {source!r}")


# SES (and our local ingress) prepend: "from HELO (rdns [IP]) by ..." — the one Received header we trust.
_TRUSTED_RECEIVED = re.compile(
    r"^\s*from\s+(?P<helo>\S+)\s+\((?:(?P<rdns>[^\s\[\)]+)\s+)?\[(?:IPv6:)?(?P<ip>[0-9A-Fa-f:.]+)\]\)",
    re.IGNORECASE,
)


def client_from_trusted_received(received: str | None) -> tuple[str | None, str | None]:
    """(client IP, HELO) from the topmost Received header, which our own ingress (or SES) wrote."""
    if not received:
        return None, None
    match = _TRUSTED_RECEIVED.match(received)
    if not match:
        return None, None
    return match.group("ip"), match.group("helo")
