"""A rules worker that dies while delivering is retried, and the mail ends delivered exactly once.

Before, the idempotency record of the dead worker's delivery stayed "in progress" for the function's remaining
time (300 s), longer than the queue's whole retry schedule: every retry found it in progress and the last
attempt held the message in Backup, although the copy may have reached the destination. Now the record
expires when the queue would hand the message to another worker, and a delivery is recorded on its own as soon
as the destination took it, so a worker that dies after that (sending a BCC copy here) is retried without a
second copy.

Everything here is a process of its own, as in production: `mailgate serve` with no rules worker in it, and
`mailgate worker rules` processes on the same queue, one killed with SIGKILL mid-delivery and one that takes
over.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import msgspec
import pytest
from boto3.dynamodb.conditions import Key

from mailgate.aws.event_items import events_of
from mailgate.rules.table import RuleTable
from tests.support.local_gateway import simple_message, wait_for
from tests.support.smtp_servers import RecordingServer, free_port

pytestmark = pytest.mark.integration

VISIBILITY_SECONDS = 5  # local mode's queue visibility timeout
MAX_ATTEMPTS = 3


def _clean_environment() -> dict[str, str]:
    """Not what the in-process gateway of other tests put into os.environ: each process sets its own."""
    inherited = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
    return {name: os.environ[name] for name in inherited if name in os.environ}


class _Lines:
    """A child process's output, read in the background so that it never blocks on a full pipe."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


def _start(args: list[str], ready: str, timeout: float = 120) -> tuple[subprocess.Popen[str], _Lines]:
    command = [str(Path(sys.executable).with_name("mailgate")), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=_clean_environment())
    output = _Lines(process)

    def started() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{' '.join(args[:2])} exited with {process.returncode}:\n{output.text()}")
        return ready in output.text()

    wait_for(started, timeout=timeout, interval=0.1)
    return process, output


@dataclass
class CrashGateway:
    state_dir: Path
    smtp_port: int
    moto_url: str
    destination: RecordingServer  # the organisation's mail server
    archive: RecordingServer  # where the Default rule sends a BCC copy of every message

    def worker(self) -> subprocess.Popen[str]:
        process, _ = _start(["worker", "rules", "--state-dir", str(self.state_dir)], "poller(s) on")
        return process

    def send(self, subject: str) -> str:
        """Send to bob@example.test; the gateway's message id, from its "250 … queued as ID" reply."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as smtp:
            smtp.ehlo("client.sender.test")
            assert smtp.mail("alice@sender.test")[0] == 250
            assert smtp.rcpt("bob@example.test")[0] == 250
            code, reply = smtp.data(simple_message("alice@sender.test", "bob@example.test", subject))
        assert code == 250, reply
        return reply.decode().rsplit(" ", 1)[-1]

    def events(self, message_id: str) -> list[dict[str, Any]]:
        table = boto3.resource("dynamodb", endpoint_url=self.moto_url, region_name="us-east-1",
                               aws_access_key_id="local", aws_secret_access_key="local").Table("mailgate-events")
        items = table.query(KeyConditionExpression=Key("message_id").eq(message_id))["Items"]
        return [json.loads(json.dumps(e.to_dict(), default=str)) for item in items for e in events_of(item)]

    def copies(self, server: RecordingServer, message_id: str) -> list[bytes]:
        return [m.data for m in server.messages if f"X-Mailgate-Id: {message_id}".encode() in m.data]


@pytest.fixture(scope="module")
def crash_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrashGateway]:
    state_dir = tmp_path_factory.mktemp("crash-gateway")
    with RecordingServer() as destination, RecordingServer() as archive:
        table = msgspec.to_builtins(RuleTable())
        table["rules"][-1]["bcc"] = ["archive@archive.test"]
        config = {
            "authserv_id": "mailgate.local", "bounce_from": "mailer-daemon@mailgate.local",
            "domains": {"example.test": {"kind": "smtp", "hosts": [{"host": "127.0.0.1", "port": destination.port}]},
                        "archive.test": {"kind": "smtp", "hosts": [{"host": "127.0.0.1", "port": archive.port}]}},
            "dns": {"no_network": True},
            "delivery": {"retry_base_seconds": 1, "max_attempts": MAX_ATTEMPTS, "connect_timeout_seconds": 5},
            "rules": table,
        }
        config_path = state_dir / "gateway.json"
        config_path.write_text(json.dumps(config))
        smtp_port, moto_port = free_port(), free_port()
        serve, output = _start(["serve", "--config", str(config_path), "--state-dir", str(state_dir),
                                "--no-clamd", "--no-network", "--workers", "1", "--rules-workers", "0",
                                "--smtp-port", str(smtp_port), "--moto-port", str(moto_port),
                                "--api-port", str(free_port()), "--downstream-port", str(free_port()),
                                "--console-port", "0", "--submission-port", "0"],
                               "Press Ctrl-C")
        try:
            yield CrashGateway(state_dir, smtp_port, f"http://127.0.0.1:{moto_port}", destination, archive)
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
            del output


def _killed(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _stopped(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _settled(gateway: CrashGateway, message_id: str) -> list[dict[str, Any]]:
    """The message's events once it was delivered and copied, or held in Backup."""

    def done() -> list[dict[str, Any]] | None:
        found = gateway.events(message_id)
        kinds = {e["kind"] for e in found}
        return found if {"delivered", "copied"} <= kinds or "backup" in kinds else None

    return wait_for(done, timeout=VISIBILITY_SECONDS * (MAX_ATTEMPTS + 4) + 30, interval=0.5)


@pytest.mark.timeout(180)
def test_a_worker_killed_while_the_destination_takes_the_data_is_retried_and_delivers_once(crash_gateway):
    gateway = crash_gateway
    gateway.destination.reset()
    gateway.archive.reset()
    first = gateway.worker()
    try:
        gateway.destination.stall_data(120)  # the end of DATA is received, the answer does not come
        message_id = gateway.send("killed during DATA")
        gateway.destination.wait_for_data(1)
        _killed(first)
    finally:
        if first.poll() is None:
            first.kill()
    gateway.destination.stall_data(0)
    second = gateway.worker()
    try:
        found = _settled(gateway, message_id)
    finally:
        _stopped(second)

    kinds = [e["kind"] for e in found]
    assert "backup" not in kinds, [e["summary"] for e in found]
    assert kinds.count("delivered") == 1
    assert len(gateway.copies(gateway.destination, message_id)) == 1  # the dead worker's DATA was never answered
    assert len(gateway.copies(gateway.archive, message_id)) == 1


@pytest.mark.timeout(180)
def test_a_worker_killed_after_the_destination_took_the_message_does_not_deliver_it_again(crash_gateway):
    gateway = crash_gateway
    gateway.destination.reset()
    gateway.archive.reset()
    first = gateway.worker()
    try:
        gateway.archive.stall_data(120)  # the delivery is done; the worker hangs sending the BCC copy
        message_id = gateway.send("killed after 250")
        gateway.archive.wait_for_data(1)
        assert len(gateway.copies(gateway.destination, message_id)) == 1
        _killed(first)
    finally:
        if first.poll() is None:
            first.kill()
    gateway.archive.stall_data(0)
    second = gateway.worker()
    try:
        found = _settled(gateway, message_id)
    finally:
        _stopped(second)

    kinds = [e["kind"] for e in found]
    assert "backup" not in kinds, [e["summary"] for e in found]
    assert kinds.count("delivered") == 1
    assert len(gateway.copies(gateway.destination, message_id)) == 1
    assert len(gateway.copies(gateway.archive, message_id)) == 1
