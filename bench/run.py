"""Benchmarks (figures, not tests): scan speed and memory over the corpus, handler cold-start imports.

Run: `scripts/bench.sh` (README). Prints a table and writes bench/results/latest.json.
`scripts/bench.sh --compare-cold-start REF` measures the handlers' cold start of commit REF and of this
checkout in one run (bench/results/cold_start_compare.json).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MAILGATE_CORPUS", ROOT.parent / "shared" / "corpus"))
PYTHON = sys.executable
HANDLERS = ("scan", "rules", "api", "ldap_sync")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_scan(folders: list[Path]) -> dict[str, float]:
    """`mailgate scan --no-network --json` over the folders, pinned to one core, in a child process."""
    command = ["taskset", "-c", "0", PYTHON, "-m", "mailgate.cli", "scan", "--no-network", "--json",
               *map(str, folders)]
    started = time.perf_counter()
    child = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = [json.loads(line) for line in child.stdout.splitlines() if line.strip()]
    elapsed = [line["elapsed_ms"] for line in lines if "elapsed_ms" in line]
    return {
        "messages": len(lines),
        "errors": sum(1 for line in lines if "error" in line),
        "wall_seconds": round(wall, 2),
        "messages_per_second": round(len(lines) / wall, 1),
        "p50_ms": round(percentile(elapsed, 0.50), 3),
        "p95_ms": round(percentile(elapsed, 0.95), 3),
        "p99_ms": round(percentile(elapsed, 0.99), 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def bench_import(handler: str, root: Path = ROOT, repeats: int = 7) -> dict[str, float]:
    """Median wall times in a fresh interpreter: importing the handler module, and importing it plus
    building its service (clients, resolver, scanners; no network), which is the init a cold start pays.
    `root` is a checkout: this one, or another commit's worktree measured in the same run.
    """
    code = (
        "import importlib.util, time; t = time.perf_counter();"
        f"s = importlib.util.spec_from_file_location('h', r'{root / 'functions' / handler / 'handler.py'}');"
        "m = importlib.util.module_from_spec(s); s.loader.exec_module(m); t1 = time.perf_counter();"
        "getattr(m, 'service', lambda: None)(); t2 = time.perf_counter();"
        "print((t1 - t) * 1000, (t2 - t) * 1000)"
    )
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_LOG_LEVEL": "WARNING",
           "MAIL_BUCKET": "bench", "RULES_QUEUE_URL": "http://127.0.0.1:1/queue", "DIRECTORY_TABLE": "bench",
           "PYTHONPATH": str(root / "layers" / "mailgate")}
    runs = [subprocess.run(["taskset", "-c", "0", PYTHON, "-c", code], capture_output=True, text=True,
                           env=env, check=True).stdout.split() for _ in range(repeats)]
    return {"import_ms": round(statistics.median(float(r[0]) for r in runs), 1),
            "with_service_ms": round(statistics.median(float(r[1]) for r in runs), 1)}


def compare_imports(ref: str) -> dict[str, dict[str, dict[str, float]]]:
    """Cold starts of another commit and of this checkout, alternated in one run so that both see the
    same machine load."""
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other), ref],
                       check=True, capture_output=True)
        try:
            results: dict[str, dict[str, dict[str, float]]] = {ref: {}, "this checkout": {}}
            for handler in HANDLERS:
                results[ref][handler] = bench_import(handler, other)
                results["this checkout"][handler] = bench_import(handler)
            return results
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)


def main_compare(ref: str) -> int:
    results = compare_imports(ref)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "cold_start_compare.json").write_text(json.dumps(results, indent=2))
    print("handler cold start, median of 7 (import / import + building its service):")
    for handler in HANDLERS:
        before, after = results[ref][handler], results["this checkout"][handler]
        print(f"  {handler:10s} {ref}: {before['import_ms']} / {before['with_service_ms']} ms   "
              f"this checkout: {after['import_ms']} / {after['with_service_ms']} ms")
    return 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--compare-cold-start":  # e.g. --compare-cold-start main~5
        return main_compare(sys.argv[2])
    if not CORPUS.is_dir():
        print(f"bench: corpus not found at {CORPUS} (set MAILGATE_CORPUS)", file=sys.stderr)
        return 1
    folders = [CORPUS / name for name in ("ham", "spam", "phish", "edge") if (CORPUS / name).is_dir()]
    results: dict[str, Any] = {"scan_no_network": bench_scan(folders),
               "handler_import_ms": {h: bench_import(h) for h in HANDLERS}}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    scan = results["scan_no_network"]
    print(f"scan --no-network over {scan['messages']} messages ({scan['errors']} unreadable), one core:")
    print(f"  {scan['messages_per_second']} msg/s, p50 {scan['p50_ms']} ms, p95 {scan['p95_ms']} ms, "
          f"p99 {scan['p99_ms']} ms, peak RSS {scan['peak_rss_mb']} MB")
    print("handler cold start, median of 7 (import / import + building its service):")
    for name, ms in results["handler_import_ms"].items():
        print(f"  {name:10s} {ms['import_ms']} ms / {ms['with_service_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
