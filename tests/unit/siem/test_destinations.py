"""SIEM export to Firehose and EventBridge: the settings that choose them, the adapters' batching to the services'
limits (moto), the mapping of what a service refused back to the SQS records to retry, and an event too big for
an entry shortened rather than refused forever."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from mailgate.aws import siem_eventbridge, siem_firehose
from mailgate.aws.clients import client
from mailgate.environment import Env
from mailgate.events.model import Event
from mailgate.siem.cef import parse_cef
from mailgate.siem.forwarder import Formatter, encode_body, forward
from mailgate.siem.settings import SiemSettings
from mailgate.wiring import siem as wiring

STREAM = "mailgate-siem-test"
BUCKET = "siem-landing"


@pytest.fixture(autouse=True)
def fresh_route() -> Iterator[None]:
    """The forwarder's destination is cached per setting: built anew for each test."""
    wiring.reset()
    yield
    wiring.reset()


def _event(i: int = 0, **fields: Any) -> Event:
    return Event(message_id=f"m{i}", kind="received", **{"summary": f"event {i}", **fields})


def _record(ident: str, events: list[Event]) -> dict[str, Any]:
    return {"messageId": ident, "body": encode_body(events), "eventSource": "aws:sqs"}


def _calls(api: Any, operation: str) -> list[dict[str, Any]]:
    """The parameters of every `operation` call the client makes (botocore's own event hook)."""
    seen: list[dict[str, Any]] = []
    api.meta.events.register(f"provide-client-params.*.{operation}", lambda params, **_: seen.append(params))
    return seen


# --- settings ---------------------------------------------------------------------------------------------------

def test_syslog_stays_the_default() -> None:
    settings = SiemSettings.from_env({Env.SIEM_HOST: "siem.example.org"})
    assert settings.destination == "syslog" and settings.active


def test_firehose_and_eventbridge_are_read_from_the_environment() -> None:
    firehose = SiemSettings.from_env({Env.SIEM_DESTINATION: "firehose", Env.SIEM_FIREHOSE_STREAM: STREAM})
    assert firehose.firehose_stream == STREAM and firehose.active  # no syslog host needed
    bus = SiemSettings.from_env({Env.SIEM_DESTINATION: "eventbridge", Env.SIEM_EVENT_BUS: "security",
                                 Env.SIEM_ENABLED: "false"})
    assert bus.event_bus == "security" and not bus.active


@pytest.mark.parametrize(("env", "says"), [
    ({Env.SIEM_DESTINATION: "firehose"}, Env.SIEM_FIREHOSE_STREAM),
    ({Env.SIEM_DESTINATION: "eventbridge"}, Env.SIEM_EVENT_BUS),
    ({Env.SIEM_DESTINATION: "kinesis"}, Env.SIEM_DESTINATION),
])
def test_an_incomplete_destination_says_what_to_set(env: dict[str, str], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        SiemSettings.from_env(env)


# --- the forwarder's failure mapping ----------------------------------------------------------------------------

def test_a_record_is_retried_when_any_of_its_events_was_not_taken() -> None:
    records = [_record("a", [_event(0), _event(1)]), _record("b", [_event(2)]), _record("c", [_event(3)])]
    reply = forward(records, Formatter(framing="line"), lambda messages: [1, 3])  # a's second, c's only
    assert sorted(f["itemIdentifier"] for f in reply["batchItemFailures"]) == ["a", "c"]
    assert forward(records, Formatter(framing="line"), lambda messages: [])["batchItemFailures"] == []


def test_an_event_too_big_for_the_destination_is_shortened_not_refused() -> None:
    huge = _event(summary="s" * 5000, subject="é" * 5000, recipient="r@example.test," * 300,
                  verdicts=tuple("v" * 1000 for _ in range(100)))
    line = Formatter(format="json", framing="line").message(huge)
    assert len(line) > 20_000
    fitted = Formatter(format="json", framing="line", limit=20_000).message(huge)
    assert len(fitted) <= 20_000
    data = json.loads(fitted)
    assert data["message_id"] == "m0" and data["summary"].endswith("…") and data["subject"].endswith("…")
    small = Formatter(format="cef", framing="line", limit=20_000).message(_event(subject="fine"))
    assert parse_cef(small.decode())[1]["cs3"] == "fine"  # under the limit nothing changes


# --- Firehose -----------------------------------------------------------------------------------------------------

@pytest.fixture
def stream(aws: Any) -> str:
    client("s3").create_bucket(Bucket=BUCKET)
    client("firehose").create_delivery_stream(
        DeliveryStreamName=STREAM, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": "arn:aws:iam::123456789012:role/firehose",
                                            "BucketARN": f"arn:aws:s3:::{BUCKET}"})
    return STREAM


def _landed() -> list[bytes]:
    s3 = client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return [s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys]


def test_firehose_batches_at_500_records_and_each_record_is_one_line(stream: str) -> None:
    calls = _calls(client("firehose"), "PutRecordBatch")
    messages = [f"CEF:0|mailgate|event {i}".encode() for i in range(1203)]
    assert siem_firehose.FirehoseSender(stream).send(messages) == []
    assert [len(c["Records"]) for c in calls] == [500, 500, 203]
    lines = b"".join(_landed()).splitlines()
    assert sorted(lines) == sorted(messages)


def test_firehose_batches_at_4_mib(stream: str) -> None:
    calls = _calls(client("firehose"), "PutRecordBatch")
    messages = [bytes([65 + i]) * 900_000 for i in range(6)]  # 4 fit in 4 MiB, the rest in a second call
    assert siem_firehose.FirehoseSender(stream).send(messages) == []
    assert [len(c["Records"]) for c in calls] == [4, 2]
    assert all(sum(len(r["Data"]) for r in c["Records"]) <= siem_firehose.MAX_CALL_BYTES for c in calls)


def test_a_stream_that_does_not_exist_fails_every_message(aws: Any) -> None:
    assert siem_firehose.FirehoseSender("not-yet").send([b"a", b"b"]) == [0, 1]


def test_records_firehose_reports_failed_are_the_ones_retried(aws: Any) -> None:
    firehose = client("firehose")
    with Stubber(firehose) as stub:
        stub.add_response("put_record_batch", {
            "FailedPutCount": 1, "RequestResponses": [
                {"RecordId": "r0"}, {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"},
                {"RecordId": "r2"}]}, {"DeliveryStreamName": STREAM,
                                       "Records": [{"Data": b"a\n"}, {"Data": b"b\n"}, {"Data": b"c\n"}]})
        assert siem_firehose.FirehoseSender(STREAM, firehose).send([b"a", b"b", b"c"]) == [1]


def test_firehose_through_the_forwarder_deletes_only_what_the_stream_took(stream: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(Env.SIEM_DESTINATION, "firehose")
    monkeypatch.setenv(Env.SIEM_FIREHOSE_STREAM, stream)
    monkeypatch.setenv(Env.SIEM_FORMAT, "cef")
    reply = wiring.forward_records({"Records": [_record("a", [_event(0), _event(1)]), _record("b", [_event(2)])]})
    assert reply == {"batchItemFailures": []}
    lines = [line.decode() for body in _landed() for line in body.splitlines()]
    assert sorted(parse_cef(line)[1]["externalId"] for line in lines) == ["m0", "m1", "m2"]
    monkeypatch.setenv(Env.SIEM_FIREHOSE_STREAM, "gone")
    reply = wiring.forward_records({"Records": [_record("c", [_event(3)])]})
    assert reply == {"batchItemFailures": [{"itemIdentifier": "c"}]}


# --- EventBridge --------------------------------------------------------------------------------------------------

@pytest.fixture
def bus(aws: Any) -> tuple[str, str]:
    """A bus whose rule sends every mailgate event to an SQS queue: (bus ARN, queue URL)."""
    events, sqs = client("events"), client("sqs")
    arn = events.create_event_bus(Name="security")["EventBusArn"]
    url = sqs.create_queue(QueueName="siem-target")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all-mailgate", EventBusName="security", EventPattern=json.dumps({"source": ["mailgate"]}))
    events.put_targets(Rule="all-mailgate", EventBusName="security", Targets=[{"Id": "q", "Arn": queue_arn}])
    return arn, url


def _arrived(url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found.extend(json.loads(m["Body"]) for m in batch)
    return found


def test_eventbridge_batches_at_10_entries_with_source_and_detail_type(bus: tuple[str, str]) -> None:
    arn, url = bus
    calls = _calls(client("events"), "PutEvents")
    messages = [json.dumps({"message_id": f"m{i}"}).encode() for i in range(23)]
    assert siem_eventbridge.EventBridgeSender(arn).send(messages) == []
    assert [len(c["Entries"]) for c in calls] == [10, 10, 3]
    got = _arrived(url)
    assert sorted(e["detail"]["message_id"] for e in got) == sorted(f"m{i}" for i in range(23))
    assert {(e["source"], e["detail-type"]) for e in got} == {("mailgate", "mailgate event")}


def test_eventbridge_keeps_each_call_under_256_kb(bus: tuple[str, str]) -> None:
    arn, _ = bus
    calls = _calls(client("events"), "PutEvents")
    messages = [json.dumps({"pad": "x" * 100_000}).encode() for _ in range(5)]
    assert siem_eventbridge.EventBridgeSender(arn).send(messages) == []
    assert [len(c["Entries"]) for c in calls] == [2, 2, 1]


def test_entries_eventbridge_reports_failed_are_the_ones_retried(aws: Any) -> None:
    events = client("events")
    with Stubber(events) as stub:
        stub.add_response("put_events", {"FailedEntryCount": 2, "Entries": [
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "later"}, {"EventId": "e1"},
            {"ErrorCode": "InternalFailure", "ErrorMessage": "oops"}]})
        assert siem_eventbridge.EventBridgeSender("security", events).send([b"{}", b"{}", b"{}"]) == [0, 2]


def test_a_bus_that_does_not_exist_fails_every_message(aws: Any) -> None:
    assert siem_eventbridge.EventBridgeSender("not-yet").send([b"{}", b"{}"]) == [0, 1]


def test_eventbridge_through_the_forwarder_sends_the_json_form_even_a_huge_event(
        bus: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    arn, url = bus
    monkeypatch.setenv(Env.SIEM_DESTINATION, "eventbridge")
    monkeypatch.setenv(Env.SIEM_EVENT_BUS, arn)
    monkeypatch.setenv(Env.SIEM_FORMAT, "cef")  # ignored: an EventBridge Detail is JSON
    huge = _event(9, verdicts=tuple("\u2028" * 1000 for _ in range(100)))  # ~600 KB as JSON: over 256 KB
    reply = wiring.forward_records({"Records": [_record("a", [_event(0)]), _record("b", [huge])]})
    assert reply == {"batchItemFailures": []}
    details = {e["detail"]["message_id"]: e["detail"] for e in _arrived(url)}
    assert details["m0"]["summary"] == "event 0" and details["m0"]["kind"] == "received"
    assert details["m9"]["verdicts"] and details["m9"]["verdicts"][0].endswith("…")
