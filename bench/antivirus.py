"""Anti-Virus benchmark (figures, not a test): a 40 MB message (SES's maximum) through a real clamd.

Run: `.venv/bin/python bench/antivirus.py [--repeats N]`. Starts clamd with the project's signature
database, builds a clean and an infected 40 MB message (three large attachments, base64), and scans
each in a fresh interpreter pinned to one core: parse + the antivirus scanner (the whole message and
each attachment streamed). Prints time per message, the scanning process's peak RSS and clamd's, and
writes bench/results/antivirus.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.config import AntivirusSettings  # noqa: E402
from mailgate.scanners.antivirus.daemon import ClamdProcess  # noqa: E402
from mailgate.scanners.antivirus.database import EICAR, write_test_database  # noqa: E402

SES_MAX_BYTES = 40 * 1024 * 1024
MiB = 1024 * 1024

CHILD = """
import json, sys, time
from pathlib import Path
from mailgate.config import AntivirusSettings
from mailgate.scan.envelope import Envelope
from mailgate.message import parse_message
from mailgate.scanners.antivirus import AntivirusScanner
from mailgate.scanners.base import ScanContext
path, clamd, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
scanner = AntivirusScanner(AntivirusSettings(clamd=clamd))
context = ScanContext(Envelope("a@sender.test", ("b@example.test",)), "mailgate.bench")
runs = []
for _ in range(repeats):
    raw = Path(path).read_bytes()
    started = time.perf_counter()
    message = parse_message(raw)
    parsed = time.perf_counter()
    result = scanner.scan(message, context)
    runs.append({"parse_ms": (parsed - started) * 1000, "scan_ms": (time.perf_counter() - parsed) * 1000,
                 "verdict": result.verdict, "threats": result.details["threats"]})
    del raw, message, result
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec
hwm = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print(json.dumps({"runs": runs, "peak_rss_mb": int(hwm.split()[1]) / 1024}))
"""


def big_message(infected: bool) -> bytes:
    """Three large attachments (random bytes: incompressible, as real media and archives are) whose
    base64 brings the message just under 40 MB; the infected one hides EICAR in the zip."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@sender.test", "bob@example.test", "the recordings"
    msg.set_content("All three files attached.\n")
    budget = SES_MAX_BYTES * 57 // 78 - 64 * 1024  # base64: 57 bytes a 76-character line + CRLF
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("take3.wav", os.urandom(budget // 3 - 200))
        if infected:
            zf.writestr("readme.com", EICAR)
    sizes = [budget // 3, budget - budget // 3 - len(archive.getvalue())]
    msg.add_attachment(os.urandom(sizes[0]), maintype="video", subtype="mp4", filename="take1.mp4")
    msg.add_attachment(os.urandom(sizes[1]), maintype="application", subtype="pdf", filename="take2.pdf")
    msg.add_attachment(archive.getvalue(), maintype="application", subtype="zip", filename="take3.zip")
    raw = msg.as_bytes(policy=SMTP)
    assert len(raw) <= SES_MAX_BYTES, len(raw)
    return raw


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def clamd_pid(process: ClamdProcess) -> int:
    """The clamd under `timeout`: the process group's member that is not timeout itself."""
    assert process.process is not None
    group = process.process.pid
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(group):
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[2]) == group:  # field 5: process group id
                return int(entry.name)
    return group


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "mailgate")}
    with tempfile.TemporaryDirectory(prefix="mailgate-bench-av-") as tmp:
        folder = Path(tmp)
        write_test_database(folder / "db")
        started = time.perf_counter()
        with ClamdProcess(folder / "clamd", folder / "db", AntivirusSettings(), lifetime_seconds=1800) as clamd:
            start_seconds = time.perf_counter() - started
            results: dict[str, object] = {"clamd_start_to_pong_s": round(start_seconds, 3)}
            for kind in ("clean", "infected"):
                path = folder / f"{kind}.eml"
                path.write_bytes(big_message(kind == "infected"))
                child = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", CHILD, str(path), clamd.address,
                                        str(args.repeats)], capture_output=True, text=True, env=env, check=True)
                report = json.loads(child.stdout)
                runs = report["runs"][1:] or report["runs"]  # the first run warms caches
                results[kind] = {
                    "message_mb": round(path.stat().st_size / MiB, 2),
                    "verdicts": sorted({r["verdict"] for r in report["runs"]}),
                    "threats": report["runs"][0]["threats"],
                    "parse_ms_median": round(statistics.median(r["parse_ms"] for r in runs), 1),
                    "scan_ms_median": round(statistics.median(r["scan_ms"] for r in runs), 1),
                    "total_ms_median": round(statistics.median(r["parse_ms"] + r["scan_ms"] for r in runs), 1),
                    "peak_rss_mb": round(report["peak_rss_mb"], 1),
                }
            results["clamd_peak_rss_mb"] = round(peak_rss_mb(clamd_pid(clamd)), 1)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "antivirus.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
