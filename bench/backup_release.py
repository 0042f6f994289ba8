"""Release from Backup end to end in local mode (figures, not a test): spam is held, then released as is through
the admin API; timed from the POST to the copy in the delivered folder (the API's answer comes after the
downstream server's 250, so that is the end of it), and the API's answer alone.
Run: `.venv/bin/python bench/backup_release.py` → bench/results/backup_release.json.
"""

from __future__ import annotations

import json
import smtplib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.local.api_server import call, get_json  # noqa: E402
from mailgate.local.gateway import LocalGateway, LocalOptions  # noqa: E402
from mailgate.local.ports import free_port  # noqa: E402
from mailgate.scanners.antispam.rules import GTUBE  # noqa: E402

RELEASES = 40


def held(gateway: LocalGateway, number: int) -> str:
    sender = f"bench{number}@sender.test"
    data = (f"From: {sender}\r\nTo: bob@example.test\r\nSubject: held {number}\r\n\r\n{GTUBE}\r\n").encode()
    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=60) as smtp:
        smtp.sendmail(sender, ["bob@example.test"], data)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, page = get_json(f"{gateway.api_url}/backup?sender={sender}", gateway.admin_token())
        if status == 200 and page["items"]:
            return str(page["items"][0]["backup_id"])
        time.sleep(0.05)
    raise RuntimeError(f"message {number} was not held")


def delivered_count(gateway: LocalGateway) -> int:
    return sum(1 for _ in gateway.delivered_dir.glob("*.eml"))


def main() -> None:
    with tempfile.TemporaryDirectory() as state:
        options = LocalOptions(smtp_port=free_port(), downstream_port=free_port(), api_port=free_port(),
                               moto_port=free_port(), state_dir=Path(state), no_network=True, clamd=False,
                               queue_visibility_seconds=30, console_port=None)
        gateway = LocalGateway(options).start()
        try:
            entries = [held(gateway, n) for n in range(RELEASES)]
            answers, ends = [], []
            for backup_id in entries:
                before = delivered_count(gateway)
                started = time.perf_counter()
                status, _headers, body = call("POST", f"{gateway.api_url}/backup/{backup_id}/release",
                                              gateway.admin_token(), {"request_id": backup_id})
                answered = time.perf_counter()
                if status != 200 or json.loads(body)["outcomes"][0]["status"] != "delivered":
                    raise RuntimeError(f"release of {backup_id} answered {status}: {body[:300]!r}")
                while delivered_count(gateway) == before:
                    time.sleep(0.001)
                ends.append(time.perf_counter() - started)
                answers.append(answered - started)
        finally:
            gateway.stop()
    result = {"releases": RELEASES,
              "end_to_end_p50_ms": round(statistics.median(ends) * 1000, 1),
              "end_to_end_p95_ms": round(sorted(ends)[int(0.95 * len(ends)) - 1] * 1000, 1),
              "api_answer_p50_ms": round(statistics.median(answers) * 1000, 1)}
    out = ROOT / "bench" / "results" / "backup_release.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
