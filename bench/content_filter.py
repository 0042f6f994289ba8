"""Content Filtering benchmark (figures, not tests): time the scanner adds per message, and what the
default expressions flag in each corpus folder.

    .venv/bin/python bench/content_filter.py [--corpus ../shared/corpus]

Pinned to one core, in-process: each file is parsed first (parsing is the message model's cost, paid
once for every scanner), then `ContentFilterScanner.scan` is timed alone. Also times a message
with heavier work (a 2 MB body under three regular-expression and string conditions). Writes
bench/results/content_filter.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.config import ContentCondition, ContentExpression, ContentFilterSettings  # noqa: E402
from mailgate.message import parse_message  # noqa: E402
from mailgate.scan.envelope import Envelope  # noqa: E402
from mailgate.scanners.authentication.received import infer_envelope_from_headers  # noqa: E402
from mailgate.scanners.base import ScanContext  # noqa: E402
from mailgate.scanners.content_filter.scanner import ContentFilterScanner  # noqa: E402

FOLDERS = ("ham", "spam", "phish", "edge")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def folder_figures(scanner: ContentFilterScanner, paths: list[Path]) -> dict[str, Any]:
    elapsed: list[float] = []
    flagged: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    with_attachments = 0
    for path in paths:
        message = parse_message(path.read_bytes())
        with_attachments += bool(message.attachments)
        context = ScanContext(infer_envelope_from_headers(message), "mx.bench.test")
        started = time.perf_counter()
        result = scanner.scan(message, context)
        elapsed.append((time.perf_counter() - started) * 1000)
        for match in result.details["matches"]:
            flagged[match["expression"]] += 1
            names = [c["filename"] for c in match["conditions"] if c["filename"]]
            examples.setdefault(match["expression"], [])
            if len(examples[match["expression"]]) < 5:
                examples[match["expression"]].append(f"{path.name}: {', '.join(names[:3])}")
    return {"messages": len(paths), "with_attachments": with_attachments,
            "p50_ms": round(percentile(elapsed, 0.50), 4), "p95_ms": round(percentile(elapsed, 0.95), 4),
            "p99_ms": round(percentile(elapsed, 0.99), 4), "max_ms": round(max(elapsed, default=0.0), 3),
            "flagged": dict(flagged), "examples": examples}


def heavy_body() -> dict[str, Any]:
    conditions = (ContentCondition(attribute="body", operator="regex", value=r"\bIBAN\s*[A-Z]{2}\d{2}"),
                  ContentCondition(attribute="body", operator="regex", value=r"(?:password|passwort)\s*[:=]"),
                  ContentCondition(attribute="body", operator="contains", value="wire transfer"))
    scanner = ContentFilterScanner(ContentFilterSettings(expressions=(
        ContentExpression(name="Heavy", match="any", conditions=conditions),)))
    text = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 36_000)[:2_000_000]
    raw = f"From: a@b.test\r\nTo: c@d.test\r\nSubject: long\r\n\r\n{text}\r\n".encode()
    message = parse_message(raw)
    context = ScanContext(Envelope("a@b.test", ("c@d.test",)), "mx.bench.test")
    runs = []
    for _ in range(7):
        started = time.perf_counter()
        scanner.scan(message, context)
        runs.append((time.perf_counter() - started) * 1000)
    return {"body_chars": len(message.text_body), "median_ms": round(sorted(runs)[3], 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("MAILGATE_CORPUS",
                                                                           ROOT.parent / "shared" / "corpus")))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    scanner = ContentFilterScanner(ContentFilterSettings())
    warm = parse_message(b"From: a@b.test\r\nSubject: warm\r\n\r\nhello\r\n")
    scanner.scan(warm, ScanContext(Envelope("a@b.test", ()), "mx.bench.test"))
    results: dict[str, Any] = {}
    for name in FOLDERS:
        folder = args.corpus / name
        if folder.is_dir():
            results[name] = folder_figures(scanner, sorted(p for p in folder.iterdir() if p.is_file()))
    results["heavy_body"] = heavy_body()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "content_filter.json").write_text(json.dumps(results, indent=2))
    print("content filtering (default expressions), per message, one core, parse excluded:")
    for name in FOLDERS:
        if name in results:
            r = results[name]
            print(f"  {name:6s} {r['messages']:5d} msgs ({r['with_attachments']} with attachments): "
                  f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms; "
                  f"flagged {r['flagged'] or 'none'}")
    heavy = results["heavy_body"]
    print(f"  a {heavy['body_chars']}-character body under 2 regexes and a string: {heavy['median_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
