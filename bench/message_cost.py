"""What one message costs on AWS, from the decision events' `cost` (mailgate.costing), measured through local mode.

A local gateway (moto, no network, no clamd) takes N messages of about 50 KB over SMTP, one after another; each
message's first decision event carries its cost per component, computed from the scan and rules steps' measured
time and the requests and bytes they made at the default prices (docs/cost.md). Printed: the mean and p95 of each
component per message, and the mean total per million 50 KB messages (SES receiving apart).
Run: `.venv/bin/python bench/message_cost.py [N]` (default 200) → bench/results/message_cost.json.

Also printed, not priced: the time from each decision to its delivery (the rules step's SMTP hand-over, to a local
server here), which the cost's rules time leaves out. The times are this machine's (local mode, the steps
in-process, moto on loopback, no clamd): Lambda's own are what the decision events in a deployment record. The scan
step is priced at the construct's scan function memory (3008 MB, clamd beside it), the rules step at 1024 MB.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))
sys.path.insert(0, str(ROOT))

from tests.support.local_gateway import events, outcomes, send, simple_message  # noqa: E402

from mailgate.local.gateway import LocalGateway, LocalOptions  # noqa: E402
from mailgate.local.ports import free_port  # noqa: E402

MESSAGES = 200
BODY = ("The quarterly numbers are attached below in plain text, line by line, for the record.\n" * 600)[:50_000]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _seconds(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def _cost(gw: LocalGateway, message_id: str) -> tuple[dict[str, Any] | None, float | None]:
    """The first decision's cost, and the time from it to the delivery (the SMTP hand-over to the organisation's
    server, here a local one: what the cost's rules time leaves out)."""
    outcomes(gw, message_id)
    logged = events(gw, message_id)
    decisions = [e for e in logged if e["kind"] == "decision"]
    delivered = [e for e in logged if e["kind"] == "delivered"]
    if not decisions:
        return None, None
    wait = _seconds(delivered[0]["at"]) - _seconds(decisions[0]["at"]) if delivered else None
    return decisions[0]["detail"].get("cost"), wait


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else MESSAGES
    state = Path(tempfile.mkdtemp(prefix="cost-bench-"))
    options = LocalOptions(smtp_port=free_port(), downstream_port=free_port(), api_port=free_port(),
                           moto_port=free_port(), console_port=None, state_dir=state, no_network=True, clamd=False)
    gw = LocalGateway(options).start()
    costs: list[dict[str, Any]] = []
    waits: list[float] = []
    started = time.time()
    try:
        for i in range(count):
            mid = send(gw, "alice@partner.test", ["bob@example.test"],
                       simple_message("alice@partner.test", "bob@example.test", f"Quarterly numbers {i}", BODY))
            cost, wait = _cost(gw, mid)
            if cost is not None:
                costs.append(cost)
            if wait is not None:
                waits.append(wait)
    finally:
        gw.stop()
    if not costs:
        print("no decision event carried a cost")
        return 1
    names = list(costs[0]["components"])
    per_message = {name: [c["components"][name] for c in costs] for name in names}
    totals = [c["total_usd"] for c in costs]
    usage = [c["usage"] for c in costs]
    result = {
        "messages": len(costs),
        "seconds": round(time.time() - started, 1),
        "size_bytes": costs[0]["usage"]["size"],
        "measured": {
            "scan_seconds_mean": statistics.fmean(u["scan"]["seconds"] for u in usage),
            "scan_seconds_p95": _p95([u["scan"]["seconds"] for u in usage]),
            "rules_seconds_mean": statistics.fmean(u["rules"]["seconds"] for u in usage),
            "rules_seconds_p95": _p95([u["rules"]["seconds"] for u in usage]),
            "scan_event_items": statistics.fmean(u["scan"]["event_items"] for u in usage),
            "scan_event_wru": statistics.fmean(u["scan"]["event_wru"] for u in usage),
            "exposure_index_items": statistics.fmean(u["scan"].get("index_items", 0) for u in usage),
            "exposure_index_wru": statistics.fmean(u["scan"].get("index_wru", 0) for u in usage),
            "rules_event_wru": statistics.fmean(u["rules"]["event_wru"] for u in usage),
            "counter_updates": statistics.fmean(u["scan"]["counter_updates"] + u["rules"]["counter_updates"]
                                                for u in usage),
            "reports_in_s3": statistics.fmean(u["scan"].get("s3_reports", 0) for u in usage),
            "dynamodb_wru": statistics.fmean(u["dynamodb_wru"] for u in usage),
            # not in the cost: the rules step's SMTP delivery after its decision (to a local server here)
            "delivery_seconds_mean": statistics.fmean(waits) if waits else None,
            "delivery_seconds_p95": _p95(waits) if waits else None,
            "event_log_bytes_stored": statistics.fmean(u["scan"]["event_bytes"] + u["rules"]["event_bytes"]
                                                       for u in usage),
        },
        "components_usd_per_message": {name: {"mean": statistics.fmean(v), "p95": _p95(v)}
                                       for name, v in per_message.items()},
        "usd_per_million": {name: round(statistics.fmean(v) * 1e6, 2) for name, v in per_message.items()},
        "total_usd_per_million": round(statistics.fmean(totals) * 1e6, 2),
        "total_usd_p95_per_message": _p95(totals),
        "ses_receiving_usd_per_million": round(statistics.fmean(c["ses_receiving_usd"] for c in costs) * 1e6, 2),
    }
    out = ROOT / "bench" / "results" / "message_cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'component':<18} {'mean $/msg':>12} {'p95 $/msg':>12} {'$ per million':>14}")
    for name in names:
        found = result["components_usd_per_message"][name]
        print(f"{name:<18} {found['mean']:>12.3e} {found['p95']:>12.3e} {result['usd_per_million'][name]:>14.2f}")
    print(f"{'total':<18} {statistics.fmean(totals):>12.3e} {_p95(totals):>12.3e} "
          f"{result['total_usd_per_million']:>14.2f}")
    print(f"SES receiving (apart): {result['ses_receiving_usd_per_million']:.2f} per million")
    print(json.dumps(result["measured"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
