"""The scan step's hand-off to the rules step: one typed structure on both sides of the queue."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from mailgate.documents import Document
from mailgate.scan.report import ScanReport

LISTED_RECIPIENTS = 100  # in events and the hand-off; the report keeps them all
MAX_INLINE_REPORT = 45_000  # compressed octets of a report the hand-off carries (base64: 60 KB, one SQS request)
HANDOFF_VERSION = 1


def pack_report(report: ScanReport) -> bytes:
    """A report as the hand-off carries it and the events table keeps it: JSON, compressed."""
    return zlib.compress(msgspec.json.encode(report.to_dict()), 6)


def unpack_report(data: bytes) -> ScanReport:
    return ScanReport.from_dict(msgspec.json.decode(zlib.decompress(data)))


class HandOff(Document, frozen=True):
    """What `scan` passes to `rules` through the queue: the report itself (`report`, compressed and base64) when it
    fits one SQS request (MAX_INLINE_REPORT: 64 KB is one request, and nearly every report is a few KB), else the
    S3 key it was stored under (`report_key`; a hand-off of an earlier release has only that).

    The rules step reads the recipients from the report; the hand-off names them for the last resort only when
    it fits a queue message (an SQS body is at most 256 KiB): its stored form lists the first LISTED_RECIPIENTS.
    Reading one never raises: a hand-off missing its report still names enough for the last-resort hold, which
    is where a message whose report cannot be read ends."""

    message_id: str
    bucket: str
    report_key: str
    raw_location: dict[str, str]
    mail_from: str
    recipients: tuple[str, ...]  # the scan side has them all; the rules side the first LISTED_RECIPIENTS
    recipients_count: int = 0  # how many there are (at least as many as listed)
    report: str = ""  # base64 of pack_report's bytes; "" when the report is only in `report_key`
    version: int = HANDOFF_VERSION

    @classmethod
    def carrying(cls, report: ScanReport, packed: bytes, bucket: str, report_key: str, mail_from: str,
                 recipients: tuple[str, ...]) -> HandOff:
        """The hand-off of a report: with the report inside when it fits, else naming where it is stored."""
        inline = base64.b64encode(packed).decode() if len(packed) <= MAX_INLINE_REPORT else ""
        return cls(report.message_id, bucket, report_key, report.raw_location, mail_from, recipients,
                   report=inline)

    def carried_report(self) -> ScanReport | None:
        """The report the hand-off carries, None when it carries none (then it is at `report_key`)."""
        return unpack_report(base64.b64decode(self.report)) if self.report else None

    read_defaults: ClassVar[Mapping[str, Any]] = {"message_id": "", "bucket": "", "report_key": "",
                                                  "raw_location": {}, "mail_from": "", "recipients": ()}

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "recipients_count", max(self.recipients_count, len(self.recipients)))

    @property
    def all_listed(self) -> bool:
        return len(self.recipients) >= self.recipients_count

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        data["recipients"] = data["recipients"][:LISTED_RECIPIENTS]
        if not data["report"]:  # as a hand-off that names its report in S3 was always written
            del data["report"]
        return data
