"""The scan step's hand-off to the rules step: one typed structure on both sides of the queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from mailgate.documents import Document

LISTED_RECIPIENTS = 100  # in events and the hand-off; the report in S3 keeps them all
HANDOFF_VERSION = 1


class HandOff(Document, frozen=True):
    """What `scan` passes to `rules` through the queue (the report itself is in S3: it can be large).

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
    version: int = HANDOFF_VERSION

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
        return data
