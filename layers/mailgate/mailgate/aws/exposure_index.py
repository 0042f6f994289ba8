"""The exposure index in DynamoDB: one item per indicator per message, in the events table.

The item's partition is `ioc#<kind>#<value hash>` (mailgate.exposure.indicators.Indicator.key: 32 hex digits, so a
2 KB URL keys like a short one; a gateway message id never contains `#`) and its sort key `<received at>#<message
id>`, so "every message that carried this URL between A and B" is one Query of one partition, newest first, paged.
The items have no `day` and no `q_header_id`: neither of the table's indexes holds them, so `/events` never sees
them. `expires_at` (the table's TTL) is the message's arrival plus the event retention. Each item carries what the
search shows without reading anything else: the message id, when it arrived, the sender, the subject and the first
recipients (the indicator's value too, for the export).

Writes: at most MAX_INDICATORS items a message (typically 5-15), 25 to a BatchWriteItem call, the items DynamoDB
leaves unprocessed retried with a growing pause. A re-scan of a held message writes nothing (see `record`).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.aws.event_items import item_size
from mailgate.events.model import utc_now
from mailgate.exposure.indicators import Indicator, indicators_of
from mailgate.exposure.model import MAX_RECIPIENTS, MAX_SUBJECT, ExposureHit, ExposurePage
from mailgate.safe_text import bounded_record
from mailgate.scan.report import ScanReport

logger = logging.getLogger(__name__)

PREFIX = "ioc#"
BATCH = 25  # BatchWriteItem's limit of items per request
UNPROCESSED_ROUNDS = 8
MAX_PAGE = 200


def partition(indicator: Indicator) -> str:
    return f"{PREFIX}{indicator.kind}#{indicator.key}"


def _moment(text: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat((text or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DynamoExposureIndex:
    def __init__(self, table_name: str, retention_days: int = 90) -> None:
        self.table_name = table_name
        self.retention_days = retention_days

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def items(self, report: ScanReport) -> list[dict[str, Any]]:
        """The index items of one message (one per indicator)."""
        arrived = _moment(report.envelope.received_at) if report.envelope.received_at else None
        received_at = (arrived.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
                       if arrived else utc_now())
        expires = int((_moment(received_at) + timedelta(days=self.retention_days)).timestamp())
        recipients = list(report.envelope.recipients)
        shared = {"m": report.message_id, "received_at": received_at, "expires_at": expires,
                  "sender": report.envelope.mail_from[:320],
                  "subject": str(report.facts.get("subject") or "")[:MAX_SUBJECT],
                  "recipients": recipients[:MAX_RECIPIENTS], "recipients_count": len(recipients)}
        return [dynamo.to_dynamo(bounded_record({"message_id": partition(indicator),
                                                 "sk": f"{received_at}#{report.message_id}",
                                                 "kind": indicator.kind, "value": indicator.value, **shared}))
                for indicator in indicators_of(report)]

    def record(self, report: ScanReport) -> list[int]:
        """Writes the message's index items; their sizes as DynamoDB bills them (the message's cost counts them). A
        re-scan after an Anti-Spam Quarantine hold writes none: its report names only the held recipients, and the
        first scan indexed the message with all of them."""
        if report.facts.get("rescan"):
            return []
        items = self.items(report)
        for first in range(0, len(items), BATCH):
            self._write([{"PutRequest": {"Item": item}} for item in items[first:first + BATCH]])
        return [item_size(item) for item in items]

    def _write(self, requests: list[dict[str, Any]]) -> None:
        """One BatchWriteItem, and again for what DynamoDB left unprocessed (the resource's client takes and gives
        plain values, as stats_counters' BatchGetItem does)."""
        pending: dict[str, Any] = {self.table_name: requests}
        for round_ in range(UNPROCESSED_ROUNDS + 1):
            answer = self.table.meta.client.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                return
            if round_ == UNPROCESSED_ROUNDS:
                raise RuntimeError("DynamoDB left exposure index items unwritten after retries")
            time.sleep(min(0.05 * 2 ** round_, 1.0))

    def search(self, indicator: Indicator, start: str, end: str, limit: int = 50,
               token: str | None = None) -> ExposurePage:
        """The messages that carried the indicator and arrived in [start, end), newest first: one partition."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("message_id").eq(partition(indicator)) & Key("sk").between(start, end),
            "ScanIndexForward": False, "Limit": max(1, min(limit, MAX_PAGE))}
        if token:
            kwargs["ExclusiveStartKey"] = dynamo.decode_token(token)
        answer = self.table.query(**kwargs)
        hits = []
        for raw in answer.get("Items", []):
            item = dynamo.from_dynamo(raw)
            if item.get("value") != indicator.value or str(item.get("sk", "")) >= end:  # a hash collision; end
                continue
            hits.append(ExposureHit(message_id=str(item.get("m", "")), received_at=str(item.get("received_at", "")),
                                    sender=str(item.get("sender", "")), subject=str(item.get("subject", "")),
                                    recipients=tuple(str(r) for r in item.get("recipients", [])),
                                    recipients_count=int(item.get("recipients_count", 0))))
        last = answer.get("LastEvaluatedKey")
        return ExposurePage(tuple(hits), dynamo.encode_token(last) if last else None)

