"""Events to AWS-native SIEMs, end to end through local mode and moto: mail sent over SMTP, its events read from
a Firehose stream's S3 landing bucket (CEF and JSON lines) or from the SQS queue an EventBridge rule targets, and a
stream or bus that does not exist yet gets every event once it is created (the SIEM queue kept them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mailgate.aws import clients
from mailgate.local.gateway import LocalGateway
from mailgate.siem.cef import millis, parse_cef
from tests.support.local_gateway import events, outcomes, send, simple_message, wait_for

VISIBILITY = 3  # seconds before a batch the destination did not take is sent again (2 minutes when deployed)
BUCKET = "mailgate-siem-landing"
ROLE = "arn:aws:iam::123456789012:role/firehose-delivery"


def _exporting(gw: LocalGateway, settings: dict[str, str]) -> Iterator[LocalGateway]:
    gw.start_siem(settings, visibility_seconds=VISIBILITY)
    try:
        yield gw
    finally:
        gw.stop_siem()


def _create_stream(name: str) -> None:
    """A DirectPut stream whose extended S3 destination is the landing bucket, under a prefix of its own."""
    s3 = clients.client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    clients.client("firehose").create_delivery_stream(
        DeliveryStreamName=name, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{BUCKET}",
                                            "Prefix": f"{name}/"})


def _landed_lines(stream: str) -> list[str]:
    s3 = clients.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{stream}/").get("Contents", [])]
    return [line for k in keys for line in s3.get_object(Bucket=BUCKET, Key=k)["Body"].read().decode().splitlines()]


def _mail(gw: LocalGateway, subject: str) -> str:
    message_id = send(gw, "eve@sender.test", ["bob@example.test"],
                      simple_message("eve@sender.test", "bob@example.test", subject))
    outcomes(gw, message_id)
    return message_id


def _every_event_arrived(gw: LocalGateway, message_id: str, arrived: Any) -> tuple[list[Any], list[Any]]:
    """Wait until `arrived()` ((kind, rt, summary) triples) covers each of the message's events in the event log."""
    def probe() -> tuple[list[Any], list[Any]] | None:
        logged = events(gw, message_id)
        got = arrived()
        want = {(e["kind"], str(millis(e["at"])), e["summary"]) for e in logged}
        return (logged, got) if logged and want <= set(got) else None

    return wait_for(probe, timeout=60)


def _dlq_empty() -> bool:
    sqs = clients.client("sqs")
    dlq = sqs.get_queue_url(QueueName="mailgate-siem-dlq")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    return attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


# --- Firehose -----------------------------------------------------------------------------------------------------

@pytest.fixture
def firehose_cef(gateway: LocalGateway) -> Iterator[LocalGateway]:
    _create_stream("mailgate-siem-cef")
    yield from _exporting(gateway, {"SIEM_DESTINATION": "firehose", "SIEM_FIREHOSE_STREAM": "mailgate-siem-cef",
                                    "SIEM_FORMAT": "cef"})


def test_every_event_of_a_message_lands_in_the_firehose_stream_as_cef_lines(firehose_cef: LocalGateway) -> None:
    message_id = _mail(firehose_cef, "to the stream")

    def arrived() -> list[tuple[str, str, str]]:
        found = [parse_cef(line) for line in _landed_lines("mailgate-siem-cef")]
        return [(ext["cs4"], ext["rt"], ext.get("msg", "")) for header, ext in found
                if header[:2] == ["CEF:0", "mailgate"] and ext.get("externalId") == message_id]

    logged, got = _every_event_arrived(firehose_cef, message_id, arrived)
    assert {"received", "decision", "delivered"} <= {kind for kind, _, _ in got}
    assert len(got) >= len(logged)
    assert _dlq_empty()


@pytest.fixture
def firehose_later(gateway: LocalGateway) -> Iterator[LocalGateway]:
    yield from _exporting(gateway, {"SIEM_DESTINATION": "firehose", "SIEM_FIREHOSE_STREAM": "mailgate-siem-later",
                                    "SIEM_FORMAT": "json"})


def test_a_stream_created_late_gets_every_event_the_queue_kept(firehose_later: LocalGateway) -> None:
    poller = firehose_later.siem_poller
    assert poller is not None
    before = poller.invocations
    message_id = _mail(firehose_later, "before the stream exists")
    # the forwarder tried, Firehose answered ResourceNotFoundException, and SQS gave the batch back more than once
    wait_for(lambda: poller.invocations >= before + 3, timeout=60)
    _create_stream("mailgate-siem-later")

    def arrived() -> list[tuple[str, str, str]]:
        found = [json.loads(line) for line in _landed_lines("mailgate-siem-later")]
        return [(d["kind"], str(millis(d["at"])), d.get("summary", "")) for d in found
                if d.get("message_id") == message_id]

    logged, got = _every_event_arrived(firehose_later, message_id, arrived)
    assert len(got) >= len(logged)
    assert _dlq_empty()


# --- EventBridge --------------------------------------------------------------------------------------------------

def _bus_with_queue(name: str) -> tuple[str, str]:
    """The bus, a rule sending every mailgate event to an SQS queue: (bus ARN, queue URL)."""
    bus_events, sqs = clients.client("events"), clients.client("sqs")
    arn = bus_events.create_event_bus(Name=name)["EventBusArn"]
    url = sqs.create_queue(QueueName=f"{name}-target")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus_events.put_rule(Name="mailgate-to-queue", EventBusName=name,
                        EventPattern=json.dumps({"source": ["mailgate"], "detail-type": ["mailgate event"]}))
    bus_events.put_targets(Rule="mailgate-to-queue", EventBusName=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return arn, url


class BusReader:
    """Everything the rule's queue received so far (each SQS message one EventBridge event)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        sqs = clients.client("sqs")
        while batch := sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", []):
            for m in batch:
                self.seen.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return self.seen

    def triples(self, message_id: str) -> list[tuple[str, str, str]]:
        return [(e["detail"]["kind"], str(millis(e["detail"]["at"])), e["detail"].get("summary", ""))
                for e in self.read() if e["detail"].get("message_id") == message_id]


@pytest.fixture
def eventbridge(gateway: LocalGateway) -> Iterator[tuple[LocalGateway, BusReader]]:
    """The export to a bus named by its ARN, whose rule sends mailgate's events to a queue the test reads."""
    arn, url = _bus_with_queue("mailgate-siem-bus")
    for gw in _exporting(gateway, {"SIEM_DESTINATION": "eventbridge", "SIEM_EVENT_BUS": arn}):
        yield gw, BusReader(url)


def test_every_event_reaches_the_eventbridge_bus_as_json(eventbridge: tuple[LocalGateway, BusReader]) -> None:
    gw, reader = eventbridge
    message_id = _mail(gw, "to the bus")
    logged, got = _every_event_arrived(gw, message_id, lambda: reader.triples(message_id))
    assert len(got) >= len(logged)
    mine = [e for e in reader.seen if e["detail"].get("message_id") == message_id]
    assert {(e["source"], e["detail-type"]) for e in mine} == {("mailgate", "mailgate event")}
    received = next(e["detail"] for e in mine if e["detail"]["kind"] == "received")
    assert received["sender"] == "eve@sender.test" and received["subject"] == "to the bus"
    assert _dlq_empty()


@pytest.fixture
def eventbridge_later(gateway: LocalGateway) -> Iterator[LocalGateway]:
    """The export to a bus, by name, that does not exist yet."""
    yield from _exporting(gateway, {"SIEM_DESTINATION": "eventbridge", "SIEM_EVENT_BUS": "mailgate-siem-late-bus"})


def test_a_bus_created_late_gets_every_event_the_queue_kept(eventbridge_later: LocalGateway) -> None:
    poller = eventbridge_later.siem_poller
    assert poller is not None
    before = poller.invocations
    message_id = _mail(eventbridge_later, "before the bus exists")
    wait_for(lambda: poller.invocations >= before + 3, timeout=60)
    # The forwarder waits while the bus gets its rule: what a bus takes before it has one goes nowhere (the
    # operator's order, not ours), and a retry landing in between under load would lose it. Then it is driven here.
    poller.stop()
    _, url = _bus_with_queue("mailgate-siem-late-bus")
    reader = BusReader(url)

    def arrived() -> list[Any]:
        poller.poll_once(wait_seconds=0)
        return reader.triples(message_id)

    logged, got = _every_event_arrived(eventbridge_later, message_id, arrived)
    assert len(got) >= len(logged)
    assert _dlq_empty()
