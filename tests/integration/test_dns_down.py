"""A DNS server that stops answering does not stall the mail: after the first timeout the gateway sees that
its resolver is down (a question any resolver answers at once goes unanswered too) and fails the next
lookups at once, for a while; every message still gets its verdicts (temperror, never "pass"). Before, each
lookup waited the full timeout: about 4.5 s a message, 0.2 messages a second."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from mailgate.wiring import process
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, send, simple_message

pytestmark = pytest.mark.integration
MESSAGES = 12


@pytest.fixture
def silent_dns() -> Iterator[int]:
    """A UDP port that reads every question and answers none."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def swallow() -> None:
        while not stop.is_set():
            try:
                sock.recvfrom(4096)
            except OSError:
                continue

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    stop.set()
    thread.join()
    sock.close()


@pytest.mark.timeout(45)  # twelve messages took about 54 s before; now about 3 s
def test_mail_flows_with_temperror_while_dns_does_not_answer(gateway, restore_settings, silent_dns) -> None:
    current = api(gateway, "GET", "/settings/general")[1]
    status, saved = api(gateway, "PATCH", "/settings/general", body={
        "version": current["version"], "dns": {"servers": ["127.0.0.1"], "port": silent_dns, "timeout_seconds": 2}})
    assert status == 200, saved
    process.reset()
    sent = [send(gateway, "alice@sender.test", ["bob@example.test"],
                 simple_message("alice@sender.test", "bob@example.test", f"while DNS is down {i}"))
            for i in range(MESSAGES)]
    for message_id in sent:
        outcomes(gateway, message_id)
        scanned = next(e for e in events(gateway, message_id)
                       if e["kind"] == "scanned" and e["summary"].startswith("authentication"))
        assert scanned["verdicts"] == ["temperror"]
