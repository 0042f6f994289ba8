"""Every event shape SES and S3 produce maps to the same InboundMail."""

import json

import pytest

from mailgate.scan.inbound import IngressError, client_from_trusted_received, parse_inbound_event

MAIL = {"timestamp": "2026-11-28T10:00:00.000Z", "source": "alice@sender.test", "messageId": "abc123",
        "destination": ["bob@example.test"], "headersTruncated": True}
RECEIPT = {
    "timestamp": "2026-11-28T10:00:00.000Z",
    "recipients": ["bob@example.test", "hidden-bcc@example.test"],
    "spfVerdict": {"status": "PASS"}, "dkimVerdict": {"status": "GRAY"}, "dmarcVerdict": {"status": "FAIL"},
    "spamVerdict": {"status": "PROCESSING_FAILED"}, "virusVerdict": {"status": "DISABLED"},
    "action": {"type": "S3", "bucketName": "mail-bucket", "objectKey": "incoming/abc123"},
}


def test_sqs_wrapping_sns_wrapping_the_s3_action_notification():
    note = {"notificationType": "Received", "mail": MAIL, "receipt": RECEIPT}
    sns = {"Type": "Notification", "Message": json.dumps(note)}
    event = {"Records": [{"eventSource": "aws:sqs", "body": json.dumps(sns)}]}
    [inbound] = parse_inbound_event(event)
    assert (inbound.bucket, inbound.key, inbound.message_id) == ("mail-bucket", "incoming/abc123", "abc123")
    assert inbound.envelope is not None
    # Bcc recipients exist only in receipt.recipients, never in mail.destination.
    assert inbound.envelope.recipients == ("bob@example.test", "hidden-bcc@example.test")
    assert inbound.envelope.mail_from == "alice@sender.test"
    assert inbound.envelope.ses_verdicts == {"spf": "PASS", "dkim": "GRAY", "dmarc": "FAIL",
                                             "spam": "PROCESSING_FAILED", "virus": "DISABLED"}


def test_lambda_action_event_uses_the_s3_prefix_and_message_id():
    receipt = {**RECEIPT, "action": {"type": "Lambda", "functionArn": "arn:aws:lambda:...:scan"}}
    event = {"Records": [{"eventSource": "aws:ses", "ses": {"mail": MAIL, "receipt": receipt}}]}
    [inbound] = parse_inbound_event(event, bucket="mail-bucket", prefix="inbound/")
    assert (inbound.bucket, inbound.key) == ("mail-bucket", "inbound/abc123")


def test_sns_direct_invocation():
    note = {"notificationType": "Received", "mail": MAIL, "receipt": RECEIPT}
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(note)}}]}
    [inbound] = parse_inbound_event(event)
    assert inbound.key == "incoming/abc123"


def test_s3_object_created_key_is_url_decoded_and_has_no_envelope():
    event = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
                                                          "object": {"key": "incoming%2Fmsg+1"}}}]}
    [inbound] = parse_inbound_event(event)
    assert inbound.key == "incoming/msg 1"
    assert inbound.envelope is None


def test_s3_event_delivered_through_sqs_and_the_test_event_is_ignored():
    s3_event = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}]}
    event = {"Records": [
        {"eventSource": "aws:sqs", "body": json.dumps({"Event": "s3:TestEvent"})},
        {"eventSource": "aws:sqs", "body": json.dumps(s3_event)},
    ]}
    assert [m.key for m in parse_inbound_event(event)] == ["k"]


def test_unknown_shapes_are_refused_with_a_clear_error():
    with pytest.raises(IngressError, match="unknown event source"):
        list(parse_inbound_event({"Records": [{"eventSource": "aws:kinesis"}]}))
    with pytest.raises(IngressError, match="unknown notification shape"):
        list(parse_inbound_event({"hello": "world"}))


def test_client_ip_and_helo_come_from_the_trusted_received_header():
    received = "from mx.sender.test (mx.sender.test [203.0.113.5]) by inbound-smtp.us-east-1.amazonaws.com"
    assert client_from_trusted_received(received) == ("203.0.113.5", "mx.sender.test")
    v6 = "from helo.example (unknown [IPv6:2001:db8::1]) by mailgate.local with ESMTP"
    assert client_from_trusted_received(v6) == ("2001:db8::1", "helo.example")
    assert client_from_trusted_received("by somewhere; no from clause") == (None, None)
