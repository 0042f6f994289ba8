"""Where a message's scan report is kept: compressed in the events table when it is small (nearly always), in S3
(`reports/<id>.json`) when it is not.

The rules step gets the report from the hand-off itself when it fits a queue message (mailgate.scan.handoff); this
stored copy is for what comes later: replays, releases from Backup, the console. An S3 PUT costs as much as 8 WRU
($5 per million), while a compressed report of a few KB is one or two, so the table is the cheaper home; a report too
large for one queue message (MAX_ITEM_REPORT compressed: thousands of recipients or links) stays in S3 as before.

The item is `{message_id, sk: "report", report, expires_at}` in the message's own partition: no `day` and no
`q_header_id`, so neither index holds it, and the event log's readers pass over it (aws/event_items.py REPORT_SK).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.aws.event_items import REPORT_SK, item_size
from mailgate.aws.mail_store import MailStoreError
from mailgate.ports import MailStore
from mailgate.scan.handoff import MAX_INLINE_REPORT, pack_report, unpack_report
from mailgate.scan.report import ScanReport

# compressed octets a report may have to be kept in the table: the same as the hand-off carries, so a report is
# either in the hand-off and the table, or in S3 (where the rules step then reads it, by the hand-off's key)
MAX_ITEM_REPORT = MAX_INLINE_REPORT


class ReportKeeper:
    """The report's home: the table when it fits, S3 when not; reading tries the table, then S3. Without a table
    name (a deployment part that has none), S3 only."""

    def __init__(self, table_name: str, store: MailStore | None, reports_prefix: str = "reports/",
                 retention_days: int = 90) -> None:
        self.table_name = table_name
        self.store = store
        self.reports_prefix = reports_prefix
        self.retention_days = retention_days

    def key(self, message_id: str) -> str:
        return f"{self.reports_prefix}{message_id}.json"

    def put(self, report: ScanReport, packed: bytes | None = None) -> tuple[str, int]:
        """Keeps the report; ("", the item's size) when it went to the table, (its S3 key, 0) when to S3."""
        packed = pack_report(report) if packed is None else packed
        if self.table_name and len(packed) <= MAX_ITEM_REPORT:
            expires = datetime.now(UTC) + timedelta(days=self.retention_days)
            item = {"message_id": report.message_id, "sk": REPORT_SK, "report": packed,
                    "expires_at": int(expires.timestamp())}
            dynamo.table(self.table_name).put_item(Item=item)
            return "", item_size(item)
        if self.store is None:
            raise MailStoreError("the scan report is too large for the events table and no bucket is configured")
        key = self.key(report.message_id)
        self.store.put_json(key, report.to_dict())
        return key, 0

    def get(self, message_id: str) -> ScanReport | None:
        """The stored report, or None when neither the table nor S3 has it (expired, or never written)."""
        if not message_id or "/" in message_id:
            return None
        found: dict[str, Any] = dynamo.table(self.table_name).get_item(
            Key={"message_id": message_id, "sk": REPORT_SK}).get("Item") or {} if self.table_name else {}
        packed = found.get("report")
        if packed is not None:
            return unpack_report(packed.value if hasattr(packed, "value") else bytes(packed))
        if self.store is None:
            return None
        try:
            return ScanReport.from_dict(self.store.get_json(self.key(message_id)))
        except MailStoreError:
            return None
