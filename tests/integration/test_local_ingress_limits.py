"""Local mode plays SES's limits and the organisation's server takes what the gateway accepted: a 33 MiB
message (over aiosmtpd's default 32 MiB, under SES's 40 MB) was accepted by the ingress and then refused by
the built-in downstream server, so the sender got a bounce for mail the gateway had taken."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest

from tests.support.local_gateway import delivered_raw, outcomes, send
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


@pytest.mark.timeout(180)
def test_a_33_mib_message_is_delivered(gateway, restore_settings) -> None:
    def unscanned(table: dict[str, Any]) -> dict[str, Any]:  # delivery is what is tested, not the scanners
        table["rules"].insert(0, {"name": "Large mail", "mode": "skip",
                                  "recipients": {"addresses": ["big@example.test"]}})
        return table

    put_section(gateway, "rules", unscanned)
    payload = base64.encodebytes(os.urandom(25 * 2**20)).replace(b"\n", b"\r\n")
    data = (b"From: alice@sender.test\r\nTo: big@example.test\r\nSubject: the design files\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: application/octet-stream; name=designs.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + payload)
    assert 33 * 2**20 < len(data) < 40 * 10**6
    message_id = send(gateway, "alice@sender.test", ["big@example.test"], data)
    assert [e["kind"] for e in outcomes(gateway, message_id, recipients=1)] == ["delivered"]


def test_the_ingress_refuses_what_is_no_smtp_path_as_ses_does(gateway) -> None:
    import smtplib

    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        code, reply = smtp.mail("attacker.test")
        assert code == 501 and b"no local part and domain" in reply, reply
        smtp.rset()
        assert smtp.mail("@attacker.test")[0] in (501, 553)  # aiosmtpd's own parser refuses this one
        smtp.rset()
        assert smtp.mail("alice@sender.test")[0] == 250
        code, reply = smtp.rcpt("b" * 300 + "@example.test")
        assert code == 501 and b"longer than 256 octets" in reply
        assert smtp.rcpt("bob@example.test")[0] == 250
        smtp.rset()
        assert smtp.mail("")[0] == 250  # the null sender of a bounce is a path


@pytest.mark.parametrize("length", [5_000, 2 * 2**20])
def test_a_message_with_a_long_line_is_accepted_and_delivered_as_sent(gateway, length: int) -> None:
    """SES documents no line-length limit for the mail it receives; aiosmtpd's default refused any line over
    1,000 octets with "500 Line too long", and so did the built-in downstream server."""
    line = b"<p>" + b"x" * (length - 7) + b"</p>"
    data = (b"From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: one long line of HTML\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n" + line + b"\r\n")
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], data)
    assert [e["kind"] for e in outcomes(gateway, message_id, recipients=1)] == ["delivered"]
    [copy] = delivered_raw(gateway, message_id)
    assert line + b"\r\n" in copy.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_a_command_line_keeps_its_limit(gateway) -> None:
    import smtplib

    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        code, reply = smtp.docmd("NOOP", "x" * 5_000)
        assert code == 500 and b"too long" in reply
        assert smtp.noop()[0] == 250  # the session goes on
