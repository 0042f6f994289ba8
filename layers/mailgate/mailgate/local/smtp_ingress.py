"""The local SMTP ingress: plays SES's receipt rule (store first, then notify), and Mail Manager's traffic policy
that refuses unknown recipients during SMTP (docs/recipient-verification.md), nothing more."""

from __future__ import annotations

import asyncio
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


MAX_PATH = 256  # RFC 5321 §4.5.3.1.3: octets of a reverse- or forward-path


def _path_problem(address: str) -> str | None:
    """Why an address cannot be an SMTP path, or None: it needs a local part and a domain, and a length a
    server keeps (a 100,000-character recipient would be copied into the Received line)."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return f"{address[:80]!r} has no local part and domain"
    if len(address.encode("utf-8", "surrogateescape")) > MAX_PATH:
        return f"longer than {MAX_PATH} octets"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in address):  # a CR alone, NUL: never echoed into our reply
        return "a control character in the address"
    return None


def _known_recipient(address: str) -> bool:
    """The directory cache and the recipient verification setting, as this process sees them."""
    from mailgate.wiring import recipients  # noqa: PLC0415 - local mode's wiring, only once mail arrives

    return recipients.accepts(address)


class IngressHandler:
    """aiosmtpd hooks: refuse recipients of domains we don't accept and unknown recipients, store, then notify.
    `known` says whether an accepted domain's recipient exists (by default: the directory cache, when recipient
    verification is on); it is asked off the event loop, as it may read the cache."""

    def __init__(self, config: GatewayConfig, store: Callable[[str, bytes], None],
                 notify: Callable[[dict[str, Any]], None], bucket: str, prefix: str,
                 hostname: str = "mailgate.local", known: Callable[[str], bool] = _known_recipient) -> None:
        self.config = config
        self.known = known
        self.store = store
        self.notify = notify
        self.bucket = bucket
        self.prefix = prefix
        self.hostname = hostname

    def notification(self, session: Any, message_id: str, key: str, envelope: Any, timestamp: str) -> dict[str, Any]:
        """What SES's S3 action would publish for this message."""
        return ses_notification(message_id, self.bucket, key, envelope.mail_from or "", list(envelope.rcpt_tos),
                                timestamp)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        """A reverse-path is empty (a bounce) or an address with a local part and a domain, as SES requires:
        `<attacker.test>` and `<@attacker.test>` are refused here, never handed to the scanners."""
        problem = _path_problem(address) if address.strip("<>") else None  # "<>": the null sender
        if problem:
            return f"501 5.1.7 Bad sender address syntax: {problem}"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if problem := _path_problem(address):
            return f"501 5.1.3 Bad recipient address syntax: {problem}"
        if not self.config.accepts(address):
            domain = address.rpartition("@")[2] or address
            return f"550 5.7.1 Relaying denied: the domain {domain} is not accepted by this gateway"
        try:
            known = await asyncio.get_running_loop().run_in_executor(None, self.known, address)
        except Exception as exc:  # the setting or the cache unreadable: the sender tries again, never a bounce
            return f"451 4.3.0 Temporary failure checking the recipient: {type(exc).__name__}"
        if not known:  # refused here: nothing is stored or scanned for it, the other recipients go on
            return f"550 5.1.1 <{address}>: recipient unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        peer_ip = session.peer[0] if session.peer else "unknown"
        helo = session.host_name or "unknown"
        received = (f"Received: from {helo} ({peer_ip} [{peer_ip}])\r\n\tby {self.hostname} with "
                    f"{'ESMTPS' if session.ssl else 'ESMTP'} id {message_id}\r\n\tfor "
                    f"<{envelope.rcpt_tos[0]}>; {format_datetime(now)}\r\n").encode("utf-8", "surrogateescape")
        content = envelope.original_content or envelope.content
        raw = received + (content if isinstance(content, bytes) else content.encode())
        key = f"{self.prefix}{message_id}"
        try:
            self.store(key, raw)  # stored first: from here on nothing may lose it
            timestamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            self.notify(sns_envelope(self.notification(session, message_id, key, envelope, timestamp)))
        except Exception as exc:
            return f"451 4.3.0 Temporary failure storing the message: {type(exc).__name__}"
        return f"250 2.0.0 Ok: queued as {message_id}"
