"""Header fields smuggled behind a bare CR (or a stray LF) do not reach the organisation's server: the gateway
reads every CR, LF and CRLF as a line end, as the SMTP client that delivers the mail does, so forged
`Authentication-Results` with our authserv-id, an Exchange SCL of -1 and our own verdict fields are removed
like any other forgery. Sent over a raw SMTP socket, because smtplib would fix the line endings itself."""

from __future__ import annotations

import re

import pytest

from mailgate.local.gateway import LocalGateway
from tests.support.local_gateway import delivered_raw, events, outcomes
from tests.support.raw_smtp import raw_smtp_send

pytestmark = pytest.mark.integration

AUTHSERV_ID = "mailgate.local"  # the local gateway's
FORGED = (f"Authentication-Results: {AUTHSERV_ID}; spf=pass; dkim=pass; dmarc=pass header.from=sender.test",
          "X-MS-Exchange-Organization-SCL: -1", "X-Mailgate-Spam-Flag: NO-FORGED")


def message(line_end: bytes, smuggle: bytes) -> bytes:
    """Headers in `line_end`; each forged field hidden behind `smuggle` at the end of an innocent one."""
    fields = [b"From: Alice <alice@sender.test>", b"To: bob@example.test", b"Subject: quarterly figures",
              b"Message-ID: <smuggle@sender.test>"]
    fields += [b"X-Note-%d: innocent" % i + smuggle + forged.encode() for i, forged in enumerate(FORGED)]
    return line_end.join([*fields, b"", b"The figures are attached.", b""])


def smtp_send(gw: LocalGateway, data: bytes) -> str:
    sent = raw_smtp_send(gw, data)
    assert isinstance(sent, str), sent
    return sent


def header_fields(raw: bytes) -> list[str]:
    """The header block as the organisation's server reads it: any CR, LF or CRLF ends a line."""
    head = re.split(rb"\r\n\r\n|\n\n|\r\r", raw, maxsplit=1)[0]
    fields: list[str] = []
    for line in re.split(rb"\r\n|\r|\n", head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line.decode("utf-8", "replace")
        else:
            fields.append(line.decode("utf-8", "replace"))
    return fields


@pytest.mark.parametrize(("line_end", "smuggle"), [
    (b"\r\n", b"\r"),  # a bare CR inside a CRLF message
    (b"\r\n", b"\n"),  # a bare LF inside a CRLF message
    (b"\n", b"\r"),  # a bare CR inside an LF-only message
    (b"\r\n", b"\r\n"),  # plain CRLF: the forged fields on lines of their own
], ids=["bare-cr", "bare-lf", "lf-with-cr", "crlf"])
def test_forged_fields_behind_any_line_ending_are_removed(gateway, line_end: bytes, smuggle: bytes) -> None:
    message_id = smtp_send(gateway, message(line_end, smuggle))
    assert [e["kind"] for e in outcomes(gateway, message_id)] == ["delivered"]
    [raw] = delivered_raw(gateway, message_id)
    fields = header_fields(raw)
    ours = [f for f in fields if f.lower().startswith("authentication-results:") and AUTHSERV_ID in f]
    assert len(ours) == 1 and "dmarc=pass header.from=sender.test" not in ours[0], ours
    assert not [f for f in fields if f.startswith("X-MS-Exchange-Organization-SCL: -1")]
    assert not [f for f in fields if "NO-FORGED" in f]
    if smuggle != b"\r\n":
        received = next(e for e in events(gateway, message_id) if e["kind"] == "received")
        assert any("line ending" in note for note in received["detail"]["notes"])
