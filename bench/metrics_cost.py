"""What the per-message metrics (mailgate.stats.metrics) cost: the bytes of the EMF record(s) Powertools prints for
typical messages and for one with every metric at once, and from docs/cost.md's prices the CloudWatch Logs ingestion
and the event log query (one per finished message) per million messages, plus the custom metrics' fixed monthly
charge. Run: `.venv/bin/python bench/metrics_cost.py` → bench/results/metrics_cost.json.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))
os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
os.environ.pop("POWERTOOLS_DEV", None)

from aws_lambda_powertools.metrics import MetricUnit  # noqa: E402

from mailgate.events import model as ev  # noqa: E402
from mailgate.events.model import Event  # noqa: E402
from mailgate.stats.metrics import LATENCY, METRIC_NAMES, message_metrics, publish  # noqa: E402

P_LOG_PER_GB = 0.50  # CloudWatch Logs ingestion (docs/cost.md)
P_RRU_PER_M = 0.125  # DynamoDB on-demand read request units (docs/cost.md)
P_METRIC_MONTH = 0.30  # CloudWatch custom metric-month, first 10,000 (docs/cost.md); EMF: no PutMetricData charge
LAMBDA_LINE_OVERHEAD = 60  # bytes Lambda's log line adds (timestamp, request id, level) when not JSON-logging
RECEIVED_AT, DELIVERED_AT = "2026-12-05T21:14:03.100000Z", "2026-12-05T21:14:04.350000Z"
RECIPIENTS = ["bob@example.test"]


def _event(kind: str, at: str = RECEIVED_AT, **detail: Any) -> Event:
    return Event("20261205T211403Z-9f3a1c2b", kind, "a summary sentence an administrator reads, about this long",
                 RECIPIENTS[0] if kind != ev.RECEIVED else None, detail, at=at, sender="alice@partner.test",
                 subject="The quarterly numbers", action="deliver")


def _scans(**verdicts: str) -> list[Event]:
    found = {"antivirus": "clean", "antispam": "not_spam", "antiphishing": "not_phishing", "links": "clean",
             "content_filter": "clean", **verdicts}
    auth = {"spf": {"result": "pass"}, "dkim": [{"result": "pass"}], "dmarc": {"result": "pass"}}
    return [*(_event(ev.SCANNED, result={"scanner": s, "verdict": v, "score": 0.0, "reasons": [], "details": {}})
              for s, v in found.items()),
            _event(ev.SCANNED, result={"scanner": "authentication", "verdict": "pass", "score": 0, "reasons": [],
                                       "details": auth})]


def _received() -> Event:
    return _event(ev.RECEIVED, size=51_200, envelope={"mail_from": "alice@partner.test", "recipients": RECIPIENTS,
                                                       "client_ip": "198.51.100.7"}, notes=[], defects=[])


PROFILES: dict[str, list[Event]] = {
    "clean, delivered": [_received(), *_scans(), _event(ev.DECISION),
                         _event(ev.DELIVERED, DELIVERED_AT)],
    "spam, held in Backup and deleted": [_received(), *_scans(antispam="spam"), _event(ev.DECISION),
                                         _event(ev.BACKUP, DELIVERED_AT, backup_id="x", error=None),
                                         _event(ev.DELETED, DELIVERED_AT)],
}


def _printed(values: dict[str, tuple[float, MetricUnit]]) -> tuple[int, int]:
    """(bytes printed, records)"""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        records = publish(values, "mailgate", "mailgate-rules")
    return len(out.getvalue().encode()), records


def _query_rru(events: list[Event]) -> float:
    """An eventually consistent query reads ceil(KB / 4) * 0.5 RRU; the stored items are a little larger than this JSON
    (the index copies of sender, subject, recipient)."""
    size = sum(len(json.dumps(e.to_dict())) + 200 for e in events)
    return math.ceil(size / 4096) * 0.5


def main() -> None:
    results: dict[str, Any] = {"profiles": {}}
    for name, events in PROFILES.items():
        size, records = _printed(message_metrics(events))
        line = size + LAMBDA_LINE_OVERHEAD
        rru = _query_rru(events)
        results["profiles"][name] = {
            "metrics": len(message_metrics(events)), "records": records, "emf_bytes": size,
            "logs_usd_per_million": round(line * 1e6 / 1e9 * P_LOG_PER_GB, 3),
            "query_rru": rru, "query_usd_per_million": round(rru * P_RRU_PER_M, 3)}
    every = {metric: (1.0, MetricUnit.Count) for metric in METRIC_NAMES.values()}
    every[LATENCY] = (1250.0, MetricUnit.Milliseconds)
    size, records = _printed(every)
    results["every_metric_at_once"] = {"metrics": len(every), "records": records, "emf_bytes": size}
    names = len(METRIC_NAMES) + 2  # with DeliveryLatencyMs and Bytes
    results["custom_metrics"] = {"names": names, "usd_per_month": round(names * P_METRIC_MONTH, 2)}
    out = ROOT / "bench" / "results" / "metrics_cost.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
