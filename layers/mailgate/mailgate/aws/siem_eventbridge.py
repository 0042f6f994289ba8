"""The SIEM export to an EventBridge bus (docs/siem.md): each event is one entry, Source `mailgate`, DetailType
`mailgate event`, Detail the event's JSON form, sent with PutEvents in calls of at most 10 entries.

Each entry is at most 256 KB (EventBridge's limit: Source + DetailType + Detail in UTF-8), and so is each call's
sum (the documentation's "total entry size", read conservatively). Answers the indices of the messages the bus did
not take (a call that failed, or an entry answered with an ErrorCode), so the forwarder leaves their SQS records on
the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from mailgate.aws.clients import client
from mailgate.aws.siem_firehose import batches, refused

logger = logging.getLogger(__name__)

SOURCE = "mailgate"
DETAIL_TYPE = "mailgate event"
MAX_ENTRIES = 10  # per PutEvents call
MAX_ENTRY_BYTES = 256_000  # 256 KB, per entry and per call
MAX_MESSAGE = MAX_ENTRY_BYTES - len(SOURCE.encode()) - len(DETAIL_TYPE.encode())  # the Detail: shortened to fit


class EventBridgeSender:
    def __init__(self, bus: str, events: Any | None = None) -> None:
        self.bus = bus  # a name or an ARN: PutEvents takes either
        self._events = events

    def send(self, messages: Sequence[bytes]) -> list[int]:
        """Put the messages (JSON objects) as events; the indices of those the bus did not take."""
        fits = [i for i, m in enumerate(messages) if len(m) <= MAX_MESSAGE]
        failed = sorted(set(range(len(messages))) - set(fits))
        if failed:
            logger.error("%d SIEM event(s) over EventBridge's %d-octet entry limit: left for the DLQ", len(failed),
                         MAX_ENTRY_BYTES)
        events = self._events or client("events")
        sizes = [len(messages[i]) + MAX_ENTRY_BYTES - MAX_MESSAGE for i in fits]
        for batch in batches(sizes, MAX_ENTRIES, MAX_ENTRY_BYTES):
            chunk = [fits[j] for j in batch]
            failed.extend(self._put(events, [messages[i] for i in chunk], chunk))
        return sorted(failed)

    def _put(self, events: Any, details: list[bytes], chunk: list[int]) -> list[int]:
        entries = [{"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": d.decode("utf-8", "replace"),
                    "EventBusName": self.bus} for d in details]
        try:
            reply = events.put_events(Entries=entries)
        except Exception as exc:  # botocore's ClientError and connection errors alike: retried later
            logger.error("EventBridge bus %s did not take %d SIEM event(s): %s", self.bus, len(entries), exc)
            return chunk
        return refused(chunk, reply.get("Entries") or [], int(reply.get("FailedEntryCount") or 0),
                       f"EventBridge bus {self.bus}", "event")
