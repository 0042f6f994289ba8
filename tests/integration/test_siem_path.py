"""Events to the SIEM, end to end: local mode forwards every event of a message as CEF over syslog/TLS to a real
rsyslogd, a hostile subject survives the escaping, and a collector that is down for a minute loses nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailgate.aws import clients
from mailgate.events.model import Event
from mailgate.local.gateway import LocalGateway
from mailgate.siem import syslog
from mailgate.siem.cef import millis, parse_cef
from mailgate.siem.forwarder import Formatter
from tests.support.local_gateway import events, outcomes, send, wait_for
from tests.support.rsyslog import Rsyslog, rsyslogd_missing

pytestmark = pytest.mark.skipif(rsyslogd_missing() is not None, reason=str(rsyslogd_missing()))
DOWN_SECONDS = 60
VISIBILITY = 3  # seconds before a batch the collector did not take is sent again (60 in a real deployment)
HOSTILE_SUBJECT = "Invoice |pay=now| C:\\temp\\x.exe"


@pytest.fixture(scope="module")
def rsyslog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rsyslog]:
    server = Rsyslog(tmp_path_factory.mktemp("rsyslog")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def siem_gateway(gateway: LocalGateway, rsyslog: Rsyslog) -> Iterator[LocalGateway]:
    """The session's gateway with the SIEM export turned on, as `LocalOptions.siem` turns it on at start."""
    gateway.start_siem({"SIEM_HOST": "localhost", "SIEM_PORT": str(rsyslog.port), "SIEM_PROTOCOL": "tls",
                        "SIEM_FORMAT": "cef", "SIEM_CA_FILE": str(rsyslog.ca_file)}, visibility_seconds=VISIBILITY)
    try:
        yield gateway
    finally:
        gateway.stop_siem()


def _raw_message(subject_header: str) -> bytes:
    return (f"From: eve@sender.test\r\nTo: bob@example.test\r\nSubject: {subject_header}\r\n"
            "Message-ID: <siem-1@sender.test>\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n").encode()


def _received(rsyslog: Rsyslog, message_id: str) -> list[dict[str, str]]:
    found = []
    for line in rsyslog.lines():
        if line.startswith("CEF:"):
            _, ext = parse_cef(line)
            if ext.get("externalId") == message_id:
                found.append(ext)
    return found


def _all_arrived(gw: LocalGateway, rsyslog: Rsyslog, message_id: str) -> tuple[list[Any], list[dict[str, str]]]:
    """Wait until the collector has a CEF line for each of the message's events in the event log."""
    def probe() -> tuple[list[Any], list[dict[str, str]]] | None:
        logged = events(gw, message_id)
        got = _received(rsyslog, message_id)
        want = sorted((e["kind"], str(millis(e["at"])), e["summary"]) for e in logged)
        have = sorted((x["cs4"], x["rt"], x.get("msg", "")) for x in got)
        return (logged, got) if logged and set(want) <= set(have) else None

    return wait_for(probe, timeout=60)


def _siem_poller(gw: LocalGateway) -> Any:
    assert gw.siem_poller is not None
    return gw.siem_poller


def test_every_event_reaches_rsyslog_and_a_hostile_subject_survives(siem_gateway: LocalGateway,
                                                                      rsyslog: Rsyslog) -> None:
    # an encoded word carrying a CR: the decoded subject holds `|`, `=`, `\` and a lone CR
    subject = f"{HOSTILE_SUBJECT} =?utf-8?q?line=0Dbreak?="
    message_id = send(siem_gateway, "eve@sender.test", ["bob@example.test"], _raw_message(subject))
    outcomes(siem_gateway, message_id)
    logged, got = _all_arrived(siem_gateway, rsyslog, message_id)
    stored_subject = next(e["subject"] for e in logged if e.get("subject"))
    # the gateway itself makes the decoded CR a space in the subject it logs; the CEF escaping of a CR that does
    # reach an event is tested in tests/unit/siem/test_cef.py
    assert stored_subject == f"{HOSTILE_SUBJECT} line break"
    assert {x["cs3"] for x in got if "cs3" in x} == {stored_subject}  # unescaped, byte for byte the original
    assert all(x["suser"] == "eve@sender.test" for x in got if x["cs4"] == "received")
    kinds = {x["cs4"] for x in got}
    assert {"received", "decision"} <= kinds


def test_a_collector_down_for_a_minute_loses_nothing(siem_gateway: LocalGateway, rsyslog: Rsyslog) -> None:
    poller = _siem_poller(siem_gateway)
    rsyslog.stop()
    stopped = time.monotonic()
    try:
        before = poller.invocations
        message_id = send(siem_gateway, "eve@sender.test", ["bob@example.test"], _raw_message("while down"))
        outcomes(siem_gateway, message_id)
        # the forwarder tried, the collector was not there, and SQS gave the batch back more than once
        wait_for(lambda: poller.invocations >= before + 3, timeout=60)
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped)))  # the collector stays down a minute
        assert _received(rsyslog, message_id) == []
        assert poller.invocations >= before + DOWN_SECONDS // (2 * VISIBILITY)  # retried all along
    finally:
        rsyslog.start()
    logged, got = _all_arrived(siem_gateway, rsyslog, message_id)
    assert len(got) >= len(logged)  # at least once: a batch half-read before the stop may come twice
    dlq = clients.client("sqs").get_queue_url(QueueName="mailgate-siem-dlq")["QueueUrl"]
    attrs = clients.client("sqs").get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_ca_file_is_a_real_pem(rsyslog: Rsyslog) -> None:
    assert Path(rsyslog.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_tls_refuses_a_collector_whose_name_does_not_match(rsyslog: Rsyslog) -> None:
    # the certificate names localhost; 127.0.0.1 is the same server under a name it does not carry
    collector = syslog.Collector("127.0.0.1", rsyslog.port, "tls", rsyslog.ca_file.read_text(), timeout=5)
    with pytest.raises(syslog.SyslogError, match="certificate"):
        syslog.send(collector, [b"never"])


def test_json_lines_over_udp_reach_rsyslog(rsyslog: Rsyslog) -> None:
    event = Event(message_id="udp-1", kind="received", summary="over UDP", subject="a \"quoted\" | = \\ subject")
    message = Formatter(format="json").message(event)
    syslog.send(syslog.Collector("127.0.0.1", rsyslog.udp_port, "udp"), [message])

    def arrived() -> dict[str, Any] | None:
        lines = [json.loads(x) for x in rsyslog.lines() if x.startswith("{") and "udp-1" in x]
        return lines[0] if lines else None

    assert wait_for(arrived, timeout=20)["subject"] == event.subject
