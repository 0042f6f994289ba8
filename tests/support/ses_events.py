"""Mail handed to the scan function the way SES delivers it (stored in S3, notified through the scan queue),
with whatever envelope the test needs: SES-shaped events are the scan function's real input, and some
envelopes never get past the local SMTP ingress (which refuses what SES refuses)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from mailgate.aws import clients
from mailgate.local.gateway import BUCKET, LocalGateway
from mailgate.local.smtp_ingress import ses_notification, sns_envelope


def deliver_as_ses(gw: LocalGateway, mail_from: str, helo: str, data: bytes,
                   recipients: tuple[str, ...] = ("bob@example.test",)) -> str:
    """What SES's receipt rule does: the message stored with its Received line, then the notification."""
    message_id = uuid.uuid4().hex
    received = (f"Received: from {helo} (127.0.0.1 [127.0.0.1])\r\n\tby mailgate.local with ESMTP id {message_id}"
                f"\r\n\tfor <{recipients[0]}>; Fri, 04 Dec 2026 10:00:00 +0000\r\n").encode("utf-8", "surrogateescape")
    key = f"incoming/{message_id}"
    clients.client("s3").put_object(Bucket=BUCKET, Key=key, Body=received + data)
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="mailgate-scan")["QueueUrl"]
    timestamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    note = sns_envelope(ses_notification(message_id, BUCKET, key, mail_from, list(recipients), timestamp))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(note))
    return message_id
