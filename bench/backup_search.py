"""Backup search benchmark (figures, not tests): searches an administrator makes over a Backup of many entries,
through the real adapter (aws/backup_table.py) against moto's in-process DynamoDB.

    .venv/bin/python bench/backup_search.py [--records 1000000] [--days 30]

moto answers an index query by walking the whole table, so its times grow with the table and say nothing
about DynamoDB's; what the key design decides is what each search *reads*: the index partitions (one per
day of the range, or one per sender, recipient, Message-ID or IP), the items read in them (DynamoDB's
ScannedCount, filters included) and the read units that costs (eventually consistent index reads: 0.5 RCU per
4 KB read per query page; BatchGetItem 0.5 RCU per item up to 4 KB). Those are counted here per search and do
not depend on the table's size, only on how many entries the partitions read hold. Writes
bench/results/backup_search.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from moto import mock_aws  # noqa: E402

from mailgate.aws import resources  # noqa: E402
from mailgate.aws.backup_table import COUNTS_PREFIX, POINTER, TOTALS_KEY, DynamoBackupIndex  # noqa: E402
from mailgate.backup.model import BackupRecord, HeldBy, backup_id_for  # noqa: E402
from mailgate.backup.search import BackupQuery  # noqa: E402

HELD_BY = ["antispam"] * 70 + ["antivirus"] * 3 + ["antiphishing"] * 7 + ["content_filter"] * 10 + \
    ["authentication"] * 5 + ["deny_list"] * 3 + ["delivery_failure"] * 1 + ["rule"] * 1


def load(index: Any, records: int, days: int, now: datetime) -> tuple[dict[str, Any], float]:
    """Entries, pointers, counters and totals written as `put` writes them (in bulk, for speed)."""
    rng = random.Random(7)
    senders = [f"sender{i}@bulk{i % 97}.test" for i in range(5_000)]
    recipients = [f"user{i}@example.test" for i in range(2_000)]
    words = ["invoice", "offer", "account", "payment", "delivery", "meeting", "report", "urgent", "winner", "prize",
             "update", "order"]
    counts: dict[str, dict[str, int]] = {}
    total_bytes = 0
    sample: dict[str, Any] = {}
    started = time.perf_counter()
    with index.table.batch_writer() as batch:
        for n in range(records):
            created = now - timedelta(seconds=rng.random() * days * 86_400)
            to = tuple(rng.sample(recipients, 1 if rng.random() < 0.9 else 3))
            message_id = f"m{n:08d}"
            backup_id = backup_id_for(message_id, to)
            held_by = rng.choice(HELD_BY)
            size = rng.randint(2_000, 200_000)
            record = BackupRecord(
                backup_id=backup_id, message_id=message_id, recipients=to,
                sender=senders[min(int(rng.paretovariate(1.2)) - 1, len(senders) - 1)],
                subject=" ".join(rng.sample(words, 4)), reason=f"{held_by} verdict",
                object_key=f"backup/{backup_id}.eml",
                verdicts={"antispam": "spam"}, created_at=created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                held_by=held_by, rule="Default", header_message_id=f"<{n}.{rng.getrandbits(48):x}@bulk.test>",
                sender_ip=f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}", size=size)
            item = index._entry_item(record)
            batch.put_item(Item=item)
            for address in to:
                batch.put_item(Item={"backup_id": f"{backup_id}{POINTER}{address}", "entry": backup_id,
                                     "q_recipient": address, "sk_time": item["sk_time"]})
            per_day = counts.setdefault(record.created_at[:10], {})
            per_day[held_by] = per_day.get(held_by, 0) + 1
            total_bytes += size
            if n == records // 2:
                sample = {"sender": record.sender, "recipient": to[0], "message_id": record.header_message_id,
                          "sender_ip": record.sender_ip, "item_bytes": len(json.dumps(item, default=str))}
        for day, per_reason in counts.items():
            batch.put_item(Item={"backup_id": f"{COUNTS_PREFIX}{day}", **{f"n_{k}": v for k, v in per_reason.items()}})
        batch.put_item(Item={"backup_id": TOTALS_KEY, "entries": records, "bytes": total_bytes})
    return sample, time.perf_counter() - started


class Meter:
    """Counts what the adapter's queries and batch reads read, as DynamoDB would bill it."""

    def __init__(self, index: Any, item_bytes: int) -> None:
        self.item_bytes = item_bytes
        self.reset()
        table = index.table
        query, client = table.query, table.meta.client
        batch_get = client.batch_get_item

        def counted_query(**kwargs: Any) -> Any:
            page = query(**kwargs)
            self.queries += 1
            self.scanned += page.get("ScannedCount", len(page.get("Items", [])))
            read = page.get("ScannedCount", 0) * (self.item_bytes if "IndexName" in kwargs and kwargs[
                "IndexName"] != "by_recipient" else 120)
            self.rcu += max(0.5, 0.5 * math.ceil(read / 4096))
            return page

        def counted_batch(**kwargs: Any) -> Any:
            answer = batch_get(**kwargs)
            got = sum(len(v) for v in answer.get("Responses", {}).values())
            self.batch_items += got
            self.rcu += 0.5 * got
            return answer

        table.query = counted_query
        client.batch_get_item = counted_batch
        type(index).table = property(lambda _self: table)

    def reset(self) -> None:
        self.queries = self.scanned = self.batch_items = 0
        self.rcu = 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        resources.create_tables("events", "backup", "idem")
        index = DynamoBackupIndex("backup", retention_days=args.days)
        now = datetime.now(UTC)
        sample, load_seconds = load(index, args.records, args.days, now)
        meter = Meter(index, sample["item_bytes"])
        searches = {
            "newest 50, last 24 hours": BackupQuery.last_days(1),
            "newest 50, last 30 days": BackupQuery.last_days(30),
            "by sender, 30 days": BackupQuery.last_days(30, sender=sample["sender"]),
            "by recipient, 30 days": BackupQuery.last_days(30, recipient=sample["recipient"]),
            "by Message-ID header, 30 days": BackupQuery.last_days(30, header_message_id=sample["message_id"]),
            "by sender IP, 30 days": BackupQuery.last_days(30, sender_ip=sample["sender_ip"]),
            "anti-virus holds, 7 days": BackupQuery.last_days(7, held_by=(HeldBy.ANTIVIRUS,)),
            "subject contains 'prize winner', 7 days": BackupQuery.last_days(7, subject="prize winner"),
        }
        results: dict[str, Any] = {}
        for name, query in searches.items():
            meter.reset()
            started = time.perf_counter()
            found, cursor = index.search(query, 50)
            seconds = time.perf_counter() - started
            results[name] = {"found": len(found), "more": cursor is not None, "index_queries": meter.queries,
                             "items_read": meter.scanned, "batch_items": meter.batch_items,
                             "rcu": meter.rcu, "moto_seconds": round(seconds, 3)}
            print(f"{name:45s} {len(found):3d} found  {meter.queries:3d} queries  {meter.scanned:6d} read  "
                  f"{meter.rcu:6.1f} RCU  (moto {seconds:.2f} s)")
        meter.reset()
        started = time.perf_counter()
        counts = index.counts(BackupQuery.last_days(30))
        seconds = time.perf_counter() - started
        results["counts per reason, 30 days"] = {"total": sum(counts.values()), "batch_items": meter.batch_items,
                                                 "rcu": meter.rcu, "moto_seconds": round(seconds, 3)}
        print(f"counts per reason, 30 days: {meter.batch_items} counter items, {meter.rcu} RCU")
    out = ROOT / "bench" / "results" / "backup_search.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"records": args.records, "days": args.days, "load_seconds": round(load_seconds, 1),
                               "entry_item_bytes": sample["item_bytes"], "searches": results}, indent=2))
    print(f"{args.records} entries loaded in {load_seconds:.0f} s; wrote {out}")


if __name__ == "__main__":
    main()
