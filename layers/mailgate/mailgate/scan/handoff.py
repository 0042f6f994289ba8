"""The scan step's hand-off to the rules step: one typed structure on both sides of the queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LISTED_RECIPIENTS = 100  # in events and the hand-off; the report in S3 keeps them all


@dataclass(frozen=True)
class HandOff:
    """What `scan` passes to `rules` through the queue (the report itself is in S3: it can be large)."""

    message_id: str
    bucket: str
    report_key: str
    raw_location: dict[str, str]
    mail_from: str
    recipients: tuple[str, ...]  # the scan side has them all; the rules side the first LISTED_RECIPIENTS
    recipients_count: int = 0  # how many there are (0: as many as listed)

    @property
    def all_listed(self) -> bool:
        return len(self.recipients) >= self.recipients_count

    def to_dict(self) -> dict[str, Any]:
        """The rules step reads the recipients from the report; the hand-off names them for the last resort
        only when it fits a queue message (an SQS body is at most 256 KiB)."""
        return {"message_id": self.message_id, "bucket": self.bucket, "report_key": self.report_key,
                "raw_location": dict(self.raw_location), "mail_from": self.mail_from,
                "recipients": list(self.recipients[:LISTED_RECIPIENTS]),
                "recipients_count": max(self.recipients_count, len(self.recipients))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HandOff:
        """Never raises: a hand-off missing its report still names enough for the last-resort hold, which is
        where a message whose report cannot be read ends."""
        listed = tuple(str(r) for r in data.get("recipients") or ())
        try:
            count = int(data.get("recipients_count") or 0)
        except (TypeError, ValueError):
            count = 0
        return cls(message_id=str(data.get("message_id") or ""), bucket=str(data.get("bucket") or ""),
                   report_key=str(data.get("report_key") or ""),
                   raw_location={str(k): str(v) for k, v in dict(data.get("raw_location") or {}).items()},
                   mail_from=str(data.get("mail_from") or ""), recipients=listed,
                   recipients_count=max(count, len(listed)))
