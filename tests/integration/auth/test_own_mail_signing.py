"""The gateway's own mail (the Backup digest) sent by the rules function carries a DKIM signature of the sender's
domain that verifies against the key published in (real) DNS."""

from __future__ import annotations

import json
from email.message import EmailMessage

import dkim

from mailgate.config import parse_config
from mailgate.delivery.base import DeliveryResult
from mailgate.delivery.signing import OutboundSigner
from mailgate.notify.own_mail import run_send, send_order
from tests.support.dns_fixtures import DnsTestZone


class Recorder:
    def __init__(self) -> None:
        self.data = b""

    def deliver(self, mail_from: str, recipients: tuple[str, ...], data: bytes) -> DeliveryResult:
        self.data = data
        return DeliveryResult("mx.example.test", 25, False, recipients, reply="250 ok")


def test_the_digest_is_signed_with_the_organisations_key(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("example.test", "sel1")
    config = parse_config(json.dumps({
        "authserv_id": "example.test", "domains": {"example.test": {}},
        "dkim_signing": [{"domain": "example.test", "selector": "sel1", "secret_name": "mailgate/dkim/example.test"}]}))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "mailgate@example.test", "bob@example.test", "Backup digest"
    message.set_content("Held for you since yesterday: 1 message.")
    recorder = Recorder()
    signer = OutboundSigner(config.dkim_signing, {"mailgate/dkim/example.test": key.private_pem.decode()})
    run_send(send_order("mailgate@example.test", "bob@example.test", message.as_bytes()), config,
             lambda route: recorder, signer)
    assert recorder.data.startswith(b"DKIM-Signature:") and b"d=example.test" in recorder.data
    assert dkim.verify(recorder.data, dnsfunc=dns_zone.resolver().dkim_dnsfunc)
