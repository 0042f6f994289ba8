"""The SIEM export to an Amazon Data Firehose stream (docs/siem.md): each event's CEF or JSON line plus "\\n" is one
record, sent with PutRecordBatch in calls of at most 500 records and 4 MiB.

Answers the indices of the messages the stream did not take (a call that failed, or a record the service reports
with an ErrorCode), so the forwarder leaves their SQS records on the queue: a stream that is down or throttling
delays events, never loses them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from mailgate.aws.clients import client

logger = logging.getLogger(__name__)

MAX_RECORDS = 500  # per PutRecordBatch call
MAX_CALL_BYTES = 4 * 1024 * 1024  # per call, the records' data before base64
MAX_RECORD_BYTES = 1000 * 1024  # per record, before base64
MAX_MESSAGE = MAX_RECORD_BYTES - 1  # the line without its "\n": the forwarder shortens an event to fit


def batches(sizes: Sequence[int], max_items: int, max_bytes: int) -> Iterator[list[int]]:
    """Indices grouped in order into calls of at most `max_items` items and `max_bytes` octets."""
    batch: list[int] = []
    total = 0
    for i, size in enumerate(sizes):
        if batch and (len(batch) == max_items or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(i)
        total += size
    if batch:
        yield batch


def refused(chunk: list[int], answers: Sequence[Any], failed: int, where: str, what: str) -> list[int]:
    """Of a call's indices, those the service's per-item answers mark with an ErrorCode (all of them when the
    answers cannot be matched to the items); logged as retried."""
    if not failed:
        return []
    if len(answers) != len(chunk):  # cannot tell which: retry them all
        return chunk
    codes = [(i, a.get("ErrorCode")) for i, a in zip(chunk, answers, strict=True) if a.get("ErrorCode")]
    logger.error("%s refused %d SIEM %s(s) (%s): retried later", where, len(codes), what,
                 ", ".join(sorted({str(c) for _, c in codes})))
    return [i for i, _ in codes]


class FirehoseSender:
    def __init__(self, stream: str, firehose: Any | None = None) -> None:
        self.stream = stream
        self._firehose = firehose

    def send(self, messages: Sequence[bytes]) -> list[int]:
        """Put the messages; the indices of those the stream did not take."""
        fits = [i for i, m in enumerate(messages) if len(m) + 1 <= MAX_RECORD_BYTES]
        failed = sorted(set(range(len(messages))) - set(fits))
        if failed:
            logger.error("%d SIEM event(s) over Firehose's %d-octet record limit: left for the DLQ", len(failed),
                         MAX_RECORD_BYTES)
        firehose = self._firehose or client("firehose")
        for batch in batches([len(messages[i]) + 1 for i in fits], MAX_RECORDS, MAX_CALL_BYTES):
            chunk = [fits[j] for j in batch]
            failed.extend(self._put(firehose, [messages[i] + b"\n" for i in chunk], chunk))
        return sorted(failed)

    def _put(self, firehose: Any, records: list[bytes], chunk: list[int]) -> list[int]:
        try:
            reply = firehose.put_record_batch(DeliveryStreamName=self.stream, Records=[{"Data": r} for r in records])
        except Exception as exc:  # botocore's ClientError and connection errors alike: retried later
            logger.error("Firehose stream %s did not take %d SIEM record(s): %s", self.stream, len(records), exc)
            return chunk
        return refused(chunk, reply.get("RequestResponses") or [], int(reply.get("FailedPutCount") or 0),
                       f"Firehose stream {self.stream}", "record")
