"""Envelope inference for files scanned from disk: the topmost public Received hop, Return-Path."""

from __future__ import annotations

import pytest

from mailgate.scanners.authentication.received import infer_envelope_from_headers, is_public, parse_received
from tests.unit.auth.helpers import load_message, plain_message


@pytest.mark.parametrize(("value", "expected"), [
    ("from mail.bank.test (mail.bank.test [198.51.100.7]) by mx.example.test with ESMTPS id 1; "
     "Thu, 1 Jan 2026 10:00:00 +0000", ("198.51.100.7", "mail.bank.test")),  # Postfix
    ("from rdns.sender.test ([203.0.113.5] helo=helo.sender.test) by mx with esmtp",
     ("203.0.113.5", "helo.sender.test")),  # Exim
    ("from unknown (HELO box.test) (203.0.113.9) by mx with SMTP", ("203.0.113.9", "box.test")),  # qmail
    ("from [IPv6:2001:db8::25] (unknown) by mx.example.test", ("2001:db8::25", "IPv6:2001:db8::25")),
    ("by mx.example.test with LMTP id 7", (None, None)),
    ("from localhost by mx", (None, "localhost")),
])
def test_received_from_clause(value: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_received(value) == expected


def test_public_means_internet_addresses_and_documentation_ranges() -> None:
    assert all(is_public(ip) for ip in ("8.8.8.8", "198.51.100.7", "2001:db8::1"))
    assert not any(is_public(ip) for ip in ("10.1.2.3", "192.168.0.1", "127.0.0.1", "100.64.0.1",
                                            "fe80::1", "fd00::1", "::ffff:10.0.0.1", "garbage"))


def test_topmost_public_hop_wins_and_internal_hops_are_skipped() -> None:
    received = (
        "Received: from relay.internal (relay.internal [10.0.0.5]) by mx.example.test; Thu, 1 Jan 2026\r\n"
        "Received: from mail.bank.test (mail.bank.test [198.51.100.7]) by relay.internal; Thu, 1 Jan 2026\r\n"
        "Received: from forged.test (forged.test [192.0.2.99]) by mail.bank.test; Thu, 1 Jan 2026\r\n"
        "Return-Path: <alerts@bank.test>\r\n"
    )
    message = load_message(received.encode() + plain_message(from_addr="alerts@bank.test"))
    envelope = infer_envelope_from_headers(message, recipients=["bob@example.test"])
    assert (envelope.client_ip, envelope.helo, envelope.mail_from, envelope.recipients) == (
        "198.51.100.7", "mail.bank.test", "alerts@bank.test", ("bob@example.test",))


def test_without_public_hop_or_return_path_nothing_is_invented() -> None:
    raw = b"Received: from localhost (localhost [127.0.0.1]) by mx; Thu, 1 Jan 2026\r\n" + plain_message()
    envelope = infer_envelope_from_headers(load_message(raw))
    assert (envelope.client_ip, envelope.helo, envelope.mail_from) == (None, None, "")


def test_null_return_path_is_the_null_sender() -> None:
    envelope = infer_envelope_from_headers(load_message(b"Return-Path: <>\r\n" + plain_message()))
    assert envelope.mail_from == ""
