"""What the rules function sends for the admin API is narrow: the gateway's own sender, to accepted domains only,
DKIM-signed by the signer it is given; anything else is refused before a byte goes out."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailgate.config import GatewayConfig
from mailgate.delivery.base import DeliveryResult
from mailgate.notify.own_mail import MAX_OWN_MAIL, OwnMailRefused, result_from, run_send, send_order

CONFIG = GatewayConfig(authserv_id="mx.example.test", domains={"example.test": {}})
SENDER = "mailgate@mx.example.test"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[str, ...], bytes]] = []

    def deliver(self, mail_from: str, recipients: tuple[str, ...], data: bytes) -> DeliveryResult:
        self.sent.append((mail_from, recipients, data))
        return DeliveryResult("mx.example.test", 25, False, recipients, reply="250 ok")


def digest(sender: str = SENDER, to: str = "bob@example.test") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Backup digest"
    message.set_content("held for you")
    return message.as_bytes()


def test_the_gateways_own_mail_is_signed_and_delivered_to_an_accepted_domain():
    recorder = Recorder()
    answer = run_send(send_order(SENDER, "bob@example.test", digest()), CONFIG, lambda route: recorder,
                      lambda data: b"DKIM-Signature: v=1\r\n" + data)
    assert result_from(answer).accepted == ("bob@example.test",)
    [(mail_from, to, data)] = recorder.sent
    assert (mail_from, to) == (SENDER, ("bob@example.test",)) and data.startswith(b"DKIM-Signature")


@pytest.mark.parametrize(("mail_from", "data", "to", "says"), [
    ("ceo@example.test", digest(), "bob@example.test", "only mail from the gateway's notification sender"),
    (SENDER, digest(sender="ceo@example.test"), "bob@example.test", "only mail from"),
    (SENDER, digest().replace(b"From:", b"From: ceo@example.test\nFrom:", 1), "bob@example.test", "only mail from"),
    (SENDER, digest(), "someone@elsewhere.test", "not in a domain this gateway accepts"),
    (SENDER, digest() + b"x" * MAX_OWN_MAIL, "bob@example.test", "at most"),
])
def test_anything_else_is_refused_before_it_is_sent(mail_from, data, to, says):
    recorder = Recorder()
    with pytest.raises(OwnMailRefused, match=says):
        run_send(send_order(mail_from, to, data), CONFIG, lambda route: recorder, lambda d: d)
    assert recorder.sent == []
