"""The SIEM forwarder: SQS records (each one event-log append, see aws/siem_queue.py) → syslog messages.

Pure of AWS: it takes the records and a `send` callable (syslog.send bound to a collector) and answers the
SQS partial-batch reply. The records are sent in one connection; if the collector does not take them all,
every record of the batch is reported failed and SQS delivers it again after its visibility timeout (at least
once: a SIEM may see an event twice, never zero times; externalId + rt + cs4 identify a duplicate). A record
whose body is not an append we wrote is reported failed too, so it ends in the dead-letter queue, where it can be
read, instead of being dropped.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Formatter:
    format: str = "cef"  # cef | json
    version: str = "1"  # the product version in the CEF header
    hostname: str = socket.gethostname()

    def message(self, event: Event) -> bytes:
        line = json_line(event, self.version) if self.format == "json" else cef.cef_line(event, self.version)
        return syslog.rfc5424(line, syslog.syslog_severity(cef.severity(event)), event.kind, self.hostname)


def forward(records: Sequence[dict[str, Any]], formatter: Formatter,
            send: Callable[[Sequence[bytes]], None]) -> dict[str, Any]:
    """Send the records' events; the SQS partial batch response naming the records not taken."""
    failed: list[str] = []
    messages: list[bytes] = []
    sent_ids: list[str] = []
    for record in records:
        ident = str(record.get("messageId", ""))
        try:
            events = decode_body(str(record.get("body", "")))
        except (ValueError, TypeError, KeyError) as exc:
            logger.error("SIEM queue record %s is not an event-log append (%s): left for the DLQ", ident, exc)
            failed.append(ident)
            continue
        messages.extend(formatter.message(e) for e in events)
        sent_ids.append(ident)
    try:
        send(messages)
    except OSError:
        logger.exception("the SIEM collector did not take %d event(s) of %d record(s): retried later",
                         len(messages), len(sent_ids))
        failed.extend(sent_ids)
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}


def is_sqs_event(event: dict[str, Any]) -> bool:
    records = event.get("Records")
    return isinstance(records, list) and bool(records) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)
