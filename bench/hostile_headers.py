"""Hostile header fields: the time to parse and scan each message of tests/support/hostile_headers.py (a 1 MB
subject, 100,000-character display names, 10,000 addresses, runs of the characters patterns key on), with
every scanner the default configuration builds and no network. The worst message is the figure to watch
(target: under 1 s). Run: `.venv/bin/python bench/hostile_headers.py` → bench/results/hostile_headers.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.hostile_headers import hostile_messages  # noqa: E402

from mailgate.config import GatewayConfig  # noqa: E402
from mailgate.rules.dry_run import scan_raw  # noqa: E402
from mailgate.scanners.registry import build_scanners  # noqa: E402


def main() -> None:
    config = GatewayConfig()
    scanners = build_scanners(config)
    scan_raw(b"From: a@b.test\r\nSubject: warm-up\r\n\r\nhi\r\n", config, scanners, ["bob@example.test"])
    seconds: dict[str, float] = {}
    for name, raw in hostile_messages().items():
        started = time.perf_counter()
        scan_raw(raw, config, scanners, ["bob@example.test"])
        seconds[name] = round(time.perf_counter() - started, 4)
    worst = max(seconds, key=seconds.__getitem__)
    results = {"messages": len(seconds), "worst": worst, "worst_seconds": seconds[worst],
               "total_seconds": round(sum(seconds.values()), 3), "per_message_seconds": seconds}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile_headers.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "per_message_seconds"}, indent=2))


if __name__ == "__main__":
    main()
