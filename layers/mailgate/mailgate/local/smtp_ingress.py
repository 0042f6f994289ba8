"""The local SMTP ingress: plays SES's receipt rule (store first, then notify), nothing more."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from mailgate.config import GatewayConfig


def ses_notification(message_id: str, bucket: str, key: str, mail_from: str, recipients: list[str],
                     timestamp: str) -> dict[str, Any]:
    """The notification SES's S3 action publishes to SNS (verdicts DISABLED: no SES scanning here)."""
    disabled = {"status": "DISABLED"}
    return {
        "notificationType": "Received",
        "mail": {"timestamp": timestamp, "source": mail_from, "messageId": message_id,
                 "destination": recipients, "headersTruncated": False},
        "receipt": {
            "timestamp": timestamp, "processingTimeMillis": 1, "recipients": recipients,
            "spamVerdict": disabled, "virusVerdict": disabled, "spfVerdict": disabled,
            "dkimVerdict": disabled, "dmarcVerdict": disabled,
            "action": {"type": "S3", "topicArn": "arn:aws:sns:us-east-1:123456789012:mailgate-inbound",
                       "bucketName": bucket, "objectKey": key},
        },
    }


def sns_envelope(message: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Notification", "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:mailgate-inbound",
            "Subject": "Amazon SES Email Receipt Notification", "Message": json.dumps(message),
            "Timestamp": message["receipt"]["timestamp"]}


class IngressHandler:
    """aiosmtpd hooks: refuse recipients of domains we don't accept, store, then notify."""

    def __init__(self, config: GatewayConfig, store: Callable[[str, bytes], None],
                 notify: Callable[[dict[str, Any]], None], bucket: str, prefix: str,
                 hostname: str = "mailgate.local") -> None:
        self.config = config
        self.store = store
        self.notify = notify
        self.bucket = bucket
        self.prefix = prefix
        self.hostname = hostname

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if not self.config.accepts(address):
            domain = address.rpartition("@")[2] or address
            return f"550 5.7.1 Relaying denied: the domain {domain} is not accepted by this gateway"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        peer_ip = session.peer[0] if session.peer else "unknown"
        helo = session.host_name or "unknown"
        received = (f"Received: from {helo} ({peer_ip} [{peer_ip}])\r\n\tby {self.hostname} with "
                    f"{'ESMTPS' if session.ssl else 'ESMTP'} id {message_id}\r\n\tfor "
                    f"<{envelope.rcpt_tos[0]}>; {format_datetime(now)}\r\n").encode()
        content = envelope.original_content or envelope.content
        raw = received + (content if isinstance(content, bytes) else content.encode())
        key = f"{self.prefix}{message_id}"
        try:
            self.store(key, raw)  # stored first: from here on nothing may lose it
            timestamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            self.notify(sns_envelope(ses_notification(message_id, self.bucket, key, envelope.mail_from or "",
                                                      list(envelope.rcpt_tos), timestamp)))
        except Exception as exc:
            return f"451 4.3.0 Temporary failure storing the message: {type(exc).__name__}"
        return f"250 2.0.0 Ok: queued as {message_id}"
