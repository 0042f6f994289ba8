"""Sending through SES (moto): what SES was asked to send, and how its refusals are classed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from mailgate.aws.ses_sender import SesRawSender
from mailgate.delivery.dsn import build_bounce
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError

REGION = "eu-west-1"
MESSAGE = (b"From: Gateway <gateway@corp.test>\r\nSubject: Quarterly report\r\n\r\n"
           b"Hello,\r\nthe report is attached.\r\n")


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An SES client against moto, with corp.test verified as a sending identity."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # never a moto server some other test started
    with mock_aws():
        client = boto3.client("ses", region_name=REGION)
        client.verify_domain_identity(Domain="corp.test")
        yield client


def sent() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def test_ses_sends_the_exact_bytes_to_the_envelope_recipients(ses: Any) -> None:
    result = SesRawSender(ses).deliver("gateway@corp.test", ["bob@example.org", "carol@example.org"], MESSAGE)

    [message] = sent()
    assert message.raw_data.encode() == MESSAGE
    assert message.source == "gateway@corp.test"
    assert {"bob@example.org", "carol@example.org"} <= set(message.destinations)
    assert result.accepted == ("bob@example.org", "carol@example.org")
    assert result.queue_id == message.id
    assert result.tls
    assert result.reply == f"SES MessageId {message.id}"


def test_send_returns_the_ses_message_id(ses: Any) -> None:
    message_id = SesRawSender(ses).send("gateway@corp.test", ["bob@example.org"], MESSAGE)

    assert [m.id for m in sent()] == [message_id]


def test_an_unverified_sender_is_refused_for_good(ses: Any) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        SesRawSender(ses).deliver("someone@not-verified.test", ["bob@example.org"], MESSAGE)

    assert "MessageRejected" in str(caught.value)
    assert "not-verified.test" in caught.value.server_text
    assert sent() == []


def test_a_bounce_from_the_null_sender_goes_out_from_its_from_address(ses: Any) -> None:
    original = b"From: alice@example.org\r\nSubject: hi\r\nMessage-ID: <1@example.org>\r\n\r\nbody\r\n"
    bounce = build_bounce(original, "alice@example.org", {"bob@corp.test": ("5.1.1", "550 5.1.1 unknown")},
                          "gw.corp.test", "mailer-daemon@corp.test", "no such user")

    SesRawSender(ses).deliver("", ["alice@example.org"], bounce)

    [message] = sent()
    assert message.source == "mailer-daemon@corp.test"
    assert message.raw_data.encode() == bounce


def test_more_than_fifty_recipients_go_out_in_batches(ses: Any) -> None:
    recipients = [f"user{i}@example.org" for i in range(51)]
    no_header_recipients = b"From: gateway@corp.test\r\nSubject: all hands\r\n\r\nhello\r\n"

    result = SesRawSender(ses).deliver("gateway@corp.test", recipients, no_header_recipients)

    assert [len(m.destinations) for m in sent()] == [50, 1]
    assert result.accepted == tuple(recipients)
    assert result.queue_id == ",".join(m.id for m in sent())


def stubbed(code: str, message: str) -> tuple[Any, Stubber]:
    client = boto3.client("ses", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test",
                          config=Config(retries={"total_max_attempts": 1}))
    stubber = Stubber(client)
    stubber.add_client_error("send_raw_email", service_error_code=code, service_message=message,
                             http_status_code=400)
    stubber.activate()
    return client, stubber


def test_throttling_is_retried_later_not_bounced() -> None:
    client, stubber = stubbed("Throttling", "Maximum sending rate exceeded.")

    with pytest.raises(TemporaryDeliveryError) as caught:
        SesRawSender(client).deliver("gateway@corp.test", ["bob@example.org"], MESSAGE)

    assert caught.value.server_text == "Maximum sending rate exceeded."
    assert caught.value.enhanced_status == "4.3.2"
    stubber.assert_no_pending_responses()


def test_paused_sending_is_retried_later() -> None:
    client, _ = stubbed("AccountSendingPausedException", "Sending is paused for this account.")

    with pytest.raises(TemporaryDeliveryError):
        SesRawSender(client).deliver("gateway@corp.test", ["bob@example.org"], MESSAGE)


def test_outbound_mail_goes_through_ses_v2_with_the_envelope_recipients(ses: Any) -> None:
    """The organisation's outbound mail: SES v2 SendEmail with raw content (40 MB), Bcc recipients included."""
    v2 = boto3.client("sesv2", region_name=REGION)
    result = SesRawSender(v2, api="v2").deliver("ceo@corp.test", ["partner@example.org", "hidden@example.org"],
                                                MESSAGE)
    assert result.accepted == ("partner@example.org", "hidden@example.org")
    [message] = sent()
    assert message.raw_data == MESSAGE.decode() or message.raw_data.encode() == MESSAGE
    assert sorted(message.destinations) == ["hidden@example.org", "partner@example.org"]
