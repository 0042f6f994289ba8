"""What the SIEM export costs: SQS requests and bytes per message, measured through local mode.

A local gateway (moto) with the export on, forwarding plain TCP to a sink in this process that reads the
octet-counted frames; N messages go through SMTP. botocore's own request hooks count the SIEM queue's
SendMessage (one per event-log append), ReceiveMessage and DeleteMessage calls; the sink counts the syslog bytes.
From docs/cost.md's SQS price, the cost per million messages. Run: `.venv/bin/python bench/siem_cost.py`
→ bench/results/siem_cost.json.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))
sys.path.insert(0, str(ROOT))

from tests.support.local_gateway import outcomes, send, simple_message  # noqa: E402

from mailgate.aws import clients, siem_queue  # noqa: E402
from mailgate.local.gateway import LocalGateway, LocalOptions  # noqa: E402
from mailgate.local.ports import free_port  # noqa: E402
from mailgate.siem.syslog import read_frames  # noqa: E402

MESSAGES = 20
P_SQS_PER_M = 0.40  # SQS standard requests per million (docs/cost.md), each up to 64 KB
calls: Counter[str] = Counter()
body_bytes: list[int] = []


class Sink:
    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.frames: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.server.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                self.frames.extend(read_frames(data)[0])


def _count(model: Any, params: dict[str, Any], **_: Any) -> None:
    if "mailgate-siem" in str(params.get("QueueUrl", "")) and "dlq" not in str(params.get("QueueUrl", "")):
        calls[model.name] += 1
        if model.name == "SendMessage":
            body_bytes.append(len(str(params.get("MessageBody", "")).encode()))


def main() -> int:
    sink = Sink()
    state = Path(tempfile.mkdtemp(prefix="siem-bench-"))
    options = LocalOptions(smtp_port=free_port(), downstream_port=free_port(), api_port=free_port(),
                           moto_port=free_port(), console_port=None, state_dir=state, no_network=True, clamd=False,
                           siem={"SIEM_HOST": "127.0.0.1", "SIEM_PORT": str(sink.port), "SIEM_PROTOCOL": "tcp"},
                           siem_visibility_seconds=5)
    gw = LocalGateway(options).start()
    try:
        import os  # noqa: PLC0415

        for client in (siem_queue._client(os.environ.get("AWS_ENDPOINT_URL")), clients.client("sqs")):
            client.meta.events.register("provide-client-params.sqs.*", _count)
        ids = [send(gw, "alice@partner.test", ["bob@example.test"],
                    simple_message("alice@partner.test", "bob@example.test", f"Quarterly numbers {i}"))
               for i in range(MESSAGES)]
        for message_id in ids:
            outcomes(gw, message_id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (calls["DeleteMessage"] < calls["SendMessage"] or not sink.frames):
            time.sleep(0.2)
        time.sleep(2)
    finally:
        gw.stop()
    sends = calls["SendMessage"] / MESSAGES
    result = {
        "messages": MESSAGES,
        "sqs_send_per_message": sends,
        "sqs_delete_per_message": calls["DeleteMessage"] / MESSAGES,
        "sqs_receive_calls_local": calls["ReceiveMessage"],
        "queue_body_bytes_per_message": sum(body_bytes) / MESSAGES,
        "syslog_messages_per_message": len(sink.frames) / MESSAGES,
        "syslog_bytes_per_message": sum(len(f) for f in sink.frames) / MESSAGES,
        # Lambda's event source mapping deletes the records of a batch of up to 10 in one DeleteMessageBatch
        # call and long-polls with a few ReceiveMessage calls a minute whatever the volume: with batches of 10,
        # receives and deletes add about 2/10 request per append.
        "sqs_requests_per_message_aws": round(sends * 1.2, 2),
        "usd_per_million_messages": round(sends * 1.2 * P_SQS_PER_M, 2),
    }
    out = ROOT / "bench" / "results" / "siem_cost.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
