"""The SIEM forwarder: SQS records (each one event-log append, see aws/siem_queue.py) → a destination (syslog, a
Firehose stream, an EventBridge bus: docs/siem.md).

Pure of AWS: it takes the records and a `send` callable (syslog.send bound to a collector, or an aws/siem_* sender)
and answers the SQS partial-batch reply. `send` raises OSError when the destination took none of the messages, or
returns the indices of those it did not take (None: all taken); a record is reported failed when any of its events
was not taken, and SQS delivers it again after its visibility timeout (at least once: a SIEM may see an event twice,
never zero times; externalId + rt + cs4 identify a duplicate). A record whose body is not an append we wrote is
reported failed too, so it ends in the dead-letter queue, where it can be read, instead of being dropped.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from mailgate.events.model import Event
from mailgate.siem import cef, syslog
from mailgate.siem.json_format import json_line

logger = logging.getLogger(__name__)
BODY_VERSION = 1


def encode_body(events: Sequence[Event]) -> str:
    """One append's events as an SQS message body."""
    return json.dumps({"v": BODY_VERSION, "events": [e.to_dict() for e in events]}, separators=(",", ":"))


def decode_body(body: str) -> list[Event]:
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("v") != BODY_VERSION or not isinstance(data.get("events"), list):
        raise ValueError("not a mailgate SIEM queue message")
    return [Event.from_dict(e) for e in data["events"]]


def shortened(event: Event, chars: int) -> Event:
    """The event with the fields that can be long (summary, subject, recipient, verdicts) cut to `chars` characters
    each (a `…` marks a cut) and at most chars // 64 verdicts: what a destination with a size limit gets instead of
    an event it would refuse on every retry."""
    def cut(value: str) -> str:
        return value if len(value) <= chars else value[: chars - 1] + "…"

    return msgspec.structs.replace(
        event, summary=cut(event.summary), subject=None if event.subject is None else cut(event.subject),
        recipient=None if event.recipient is None else cut(event.recipient),
        verdicts=tuple(cut(v) for v in event.verdicts[: max(1, chars // 64)]))


@dataclass(frozen=True)
class Formatter:
    format: str = "cef"  # cef | json
    version: str = "1"  # the product version in the CEF header
    hostname: str = socket.gethostname()
    framing: str = "syslog"  # syslog: an RFC 5424 message; line: the bare CEF or JSON line (Firehose, EventBridge)
    limit: int | None = None  # the most octets the destination takes per message; None: no limit

    def line(self, event: Event) -> str:
        return json_line(event, self.version) if self.format == "json" else cef.cef_line(event, self.version)

    def _render(self, event: Event) -> bytes:
        if self.framing == "line":
            return self.line(event).encode("utf-8", "replace")
        return syslog.rfc5424(self.line(event), syslog.syslog_severity(cef.severity(event)), event.kind,
                              self.hostname)

    def message(self, event: Event) -> bytes:
        """The event's message; over `limit`, its long fields are halved until it fits (the sender reports what
        still does not fit failed, so it reaches the DLQ)."""
        message = self._render(event)
        chars = 512
        while self.limit is not None and len(message) > self.limit and chars >= 8:
            message = self._render(shortened(event, chars))
            chars //= 2
        if self.limit is not None and chars < 512:
            logger.warning("SIEM event %s/%s shortened to %d octets (limit %d)", event.message_id, event.kind,
                           len(message), self.limit)
        return message


Send = Callable[[Sequence[bytes]], Collection[int] | None]


def forward(records: Sequence[dict[str, Any]], formatter: Formatter, send: Send) -> dict[str, Any]:
    """Send the records' events; the SQS partial batch response naming the records not (wholly) taken."""
    failed: list[str] = []
    messages: list[bytes] = []
    owner: list[int] = []  # messages[i] belongs to sent_ids[owner[i]]
    sent_ids: list[str] = []
    for record in records:
        ident = str(record.get("messageId", ""))
        try:
            events = decode_body(str(record.get("body", "")))
        except (ValueError, TypeError, KeyError) as exc:
            logger.error("SIEM queue record %s is not an event-log append (%s): left for the DLQ", ident, exc)
            failed.append(ident)
            continue
        for event in events:
            messages.append(formatter.message(event))
            owner.append(len(sent_ids))
        sent_ids.append(ident)
    try:
        not_taken = send(messages) or ()
    except OSError:
        logger.exception("the SIEM destination did not take %d event(s) of %d record(s): retried later",
                         len(messages), len(sent_ids))
        not_taken = range(len(messages))
    retried = sorted({owner[i] for i in not_taken})
    if retried and len(not_taken) < len(messages):
        logger.error("the SIEM destination did not take %d of %d event(s): %d record(s) retried later",
                     len(not_taken), len(messages), len(retried))
    failed.extend(sent_ids[r] for r in retried)
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}


def is_sqs_event(event: dict[str, Any]) -> bool:
    records = event.get("Records")
    return isinstance(records, list) and bool(records) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)
