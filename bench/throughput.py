"""End-to-end throughput of local mode: messages sent over SMTP by 12 clients at once, from the ingress's
`250` to the copy in the delivered folder, with one worker per queue, with the default (the core count), and
with one worker per queue in the gateway plus one scan and one rules worker process (`mailgate worker`), which
the interpreter's lock does not share with the gateway. Figures, not a test.
Run: `.venv/bin/python bench/throughput.py` → bench/results/throughput.json.
"""

from __future__ import annotations

import json
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.local.gateway import LocalGateway, LocalOptions  # noqa: E402
from mailgate.local.ports import free_port  # noqa: E402

MESSAGES = 240
CLIENTS = 12


def run(workers: int, processes: int = 0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as state:
        options = LocalOptions(smtp_port=free_port(), downstream_port=free_port(), api_port=free_port(),
                               moto_port=free_port(), state_dir=Path(state), no_network=True, clamd=False,
                               workers=workers, queue_visibility_seconds=30, console_port=None)
        gateway = LocalGateway(options).start()
        children = [_worker(state, step) for step in ("scan", "rules") for _ in range(processes)]
        try:
            return _measure(gateway)
        finally:
            for child in children:
                child.terminate()
                child.wait(timeout=30)
            gateway.stop()


def _worker(state: str, step: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([str(Path(sys.executable).with_name("mailgate")), "worker", step, "--state-dir", state],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert "poller(s) on" in child.stdout.readline()
    return child


def _send(gateway: LocalGateway, number: int) -> tuple[str, float]:
    data = (f"From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: load {number}\r\n\r\n"
            f"Message {number} of the throughput run.\r\n").encode()
    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=60) as smtp:
        _code, reply = smtp.data(data) if smtp.ehlo() and smtp.mail("alice@sender.test")[0] == 250 \
            and smtp.rcpt("bob@example.test")[0] == 250 else (0, b"")
    return reply.decode().rsplit(" ", 1)[-1], time.time()


def _measure(gateway: LocalGateway) -> dict[str, float]:
    started = time.time()
    with ThreadPoolExecutor(CLIENTS) as pool:
        accepted = dict(pool.map(lambda n: _send(gateway, n), range(MESSAGES)))
    delivered: dict[str, float] = {}
    deadline = time.time() + 600
    while len(delivered) < len(accepted) and time.time() < deadline:
        for path in Path(gateway.delivered_dir).glob("*.eml"):
            if not path.with_suffix(".json").exists():
                continue
            head = path.read_bytes()[:4000].decode("latin-1")
            for message_id in accepted:
                if message_id not in delivered and f"X-Mailgate-Id: {message_id}" in head:
                    delivered[message_id] = path.stat().st_mtime
        time.sleep(0.2)
    latencies = sorted(delivered[m] - accepted[m] for m in delivered)
    finished = max(delivered.values()) if delivered else time.time()
    return {"messages": MESSAGES, "delivered": len(delivered),
            "messages_per_second": round(len(delivered) / (finished - started), 1),
            "p50_seconds": round(statistics.median(latencies), 2) if latencies else -1.0,
            "p95_seconds": round(latencies[int(0.95 * (len(latencies) - 1))], 2) if latencies else -1.0}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--workers":  # one gateway per process: the functions cache settings
        print(json.dumps(run(int(sys.argv[2]), int(sys.argv[3]))))
        return
    results = {}
    default = LocalOptions().workers
    for name, workers, processes in (("1_worker", 1, 0), (f"{default}_workers", default, 0),
                                     ("1_worker_and_1_process_per_step", 1, 1)):
        child = subprocess.run([sys.executable, __file__, "--workers", str(workers), str(processes)],
                               capture_output=True, text=True, check=True, timeout=900)
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "throughput.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
