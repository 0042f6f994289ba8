"""The local SMTP ingress refuses unknown recipients at RCPT, as Mail Manager's traffic policy does: a real
aiosmtpd server and a real SMTP client; the directory is a set of addresses here (the integration tests use
slapd and the directory cache)."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from mailgate.config import GatewayConfig
from mailgate.local.ports import free_port
from mailgate.local.smtp_ingress import IngressHandler
from mailgate.local.smtp_server import INGRESS_LIMIT, MailServer

KNOWN = {"alice@example.test", "bob@example.test"}


class Ingress:
    def __init__(self) -> None:
        self.stored: list[str] = []
        self.notes: list[dict[str, Any]] = []
        self.asked: list[str] = []
        self.failing = False

    def known(self, address: str) -> bool:
        self.asked.append(address)
        if self.failing:
            raise ConnectionError("the directory table is unreachable")
        return address.lower() in KNOWN


@pytest.fixture
def ingress() -> Iterator[tuple[Ingress, int]]:
    state, port = Ingress(), free_port()
    config = GatewayConfig(domains={"example.test": {}})  # type: ignore[dict-item]
    handler = IngressHandler(config, store=lambda key, raw: state.stored.append(key),
                             notify=state.notes.append, bucket="b", prefix="incoming/", known=state.known)
    server = MailServer(handler, hostname="127.0.0.1", port=port, data_size_limit=INGRESS_LIMIT)
    server.start()
    yield state, port
    server.stop()


def test_an_unknown_recipient_is_refused_at_rcpt_and_the_others_are_delivered(ingress):
    state, port = ingress
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("partner@sender.test")
        assert smtp.rcpt("mallory@example.test") == (550, b"5.1.1 <mallory@example.test>: recipient unknown")
        assert smtp.rcpt("Alice@Example.test")[0] == 250
        assert smtp.rcpt("someone@elsewhere.test")[0] == 550  # not our domain: never asked about
        code, _ = smtp.data(b"Subject: hi\r\n\r\nhello\r\n")
    assert code == 250
    assert state.asked == ["mallory@example.test", "Alice@Example.test"]
    [note] = state.notes
    assert '"destination": ["Alice@Example.test"]' in note["Message"]  # the refused one costs no scan


def test_mail_for_unknown_recipients_only_is_never_stored(ingress):
    state, port = ingress
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("partner@sender.test", ["nobody@example.test"], b"Subject: x\r\n\r\nx\r\n")
        assert smtp.noop()[0] == 250
    assert state.stored == [] and state.notes == []


def test_a_directory_that_cannot_be_asked_is_a_temporary_failure_not_a_refusal(ingress):
    state, port = ingress
    state.failing = True
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("partner@sender.test")
        code, text = smtp.rcpt("alice@example.test")
    assert (code, text[:5]) == (451, b"4.3.0")


@pytest.mark.parametrize("rcpt", [b"RCPT TO:<a\rb@example.test>", b"RCPT TO:<a\x00b@example.test>",
                                  b"RCPT TO:<" + b"a" * 5000 + b"@example.test>",
                                  b"RCPT TO:<" + b"a" * 300 + b"@example.test>", b"RCPT TO:<\xff\xfeab@example.test>",
                                  "RCPT TO:<jörg@example.test>".encode()])
def test_a_hostile_recipient_gets_a_clean_5xx_and_the_session_goes_on(ingress, rcpt):
    state, port = ingress
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")

        def say(line: bytes) -> bytes:
            sock.sendall(line + b"\r\n")
            answer = reader.readline()
            while answer[3:4] == b"-":
                answer = reader.readline()
            return answer

        assert reader.readline().startswith(b"220")
        assert say(b"EHLO client.test").startswith(b"250")
        assert say(b"MAIL FROM:<partner@sender.test>").startswith(b"250")
        answer = say(rcpt)
        assert answer[:1] == b"5" and answer.endswith(b"\r\n") and b"\r" not in answer[:-2] and b"\x00" not in answer
        assert say(b"RCPT TO:<bob@example.test>").startswith(b"250")  # the session survives
        assert say(b"QUIT").startswith(b"221")
    assert all("\r" not in a and "\x00" not in a for a in state.asked)


def test_the_default_check_reads_the_setting_and_the_directory_cache_of_this_process(aws, monkeypatch):
    import json

    from mailgate.aws import resources
    from mailgate.aws.directory_table import DynamoDirectoryStore
    from mailgate.directory.connection import parse_connection
    from mailgate.local.smtp_ingress import _known_recipient
    from mailgate.wiring import process, recipients
    from tests.unit.directory.build import entry, snapshot

    resources.create_directory_table("directory")
    monkeypatch.setenv("DIRECTORY_TABLE", "directory")
    monkeypatch.setenv("MAILGATE_CONFIG", json.dumps({"domains": {"example.test": {}}}))
    monkeypatch.delenv("MAILGATE_CONFIG_FILE", raising=False)
    monkeypatch.delenv("SETTINGS_TABLE", raising=False)
    process.reset()
    recipients.reset()
    try:
        assert _known_recipient("mallory@example.test")  # off by default
        monkeypatch.setenv("MAILGATE_CONFIG", json.dumps({"domains": {"example.test": {}},
                                                          "recipient_verification": {"enabled": True}}))
        process.reset()
        assert _known_recipient("mallory@example.test")  # on, but the cache was never synchronised
        store = DynamoDirectoryStore("directory")
        store.put_connection(parse_connection({
            "connection_id": "corp", "name": "Corp", "domain": "example.test", "base_dn": "DC=example,DC=test",
            "bind_dn": "svc@example.test", "password_secret": "mailgate/ldap/corp"}))
        store.publish(snapshot(entry("user", "Alice", "alice@example.test")), 0)
        assert _known_recipient("mallory@example.test")  # not before the next check ...
        process.reset()  # ... or a settings change
        assert not _known_recipient("mallory@example.test")
        assert _known_recipient("alice+x@example.test") and _known_recipient("abuse@example.test")
    finally:
        process.reset()
        recipients.reset()
