"""Mail integrity on the delivery path, attacked through local mode's real SMTP.

- Our DKIM keys never sign mail that came from outside: a forged `From: ceo@<a domain we hold a key for>`
  used to leave with our valid signature, replayable to the world (issue 12 item 6).
- Header fields smuggled behind bare CRs, in messages whose line endings are CR only or mixed, do not reach
  the organisation's server, and the normalisation is recorded (issue 12 item 7; CRLF, LF and a single
  bare CR or LF are in test_header_smuggling.py).
"""

from __future__ import annotations

import pytest

from tests.integration.test_header_smuggling import AUTHSERV_ID, FORGED, header_fields, smtp_send
from tests.support.local_gateway import delivered, delivered_raw, events, outcomes, send, simple_message
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


@pytest.fixture
def key_for_lax_test(gateway, restore_settings) -> None:
    """The administrator holds a DKIM key for lax.test too, a domain of the organisation whose DMARC policy is
    p=none (many are), so a forgery of it is delivered rather than rejected."""
    put_section(gateway, "signing", lambda s: {**s, "dkim_signing": [*s["dkim_signing"], {
        "domain": "lax.test", "selector": "s1", "secret_name": "mailgate/dkim/sender.test"}]})


@pytest.mark.parametrize("author", ["ceo@lax.test", "alice@sender.test"])
def test_mail_from_outside_is_never_signed_with_our_keys(gateway, key_for_lax_test, author: str) -> None:
    mail_from = "mallory@attacker.test" if author.startswith("ceo@") else author
    message_id = send(gateway, mail_from, ["bob@example.test"], simple_message(author, "bob@example.test",
                                                                               "wire the money today"))
    assert [e["kind"] for e in outcomes(gateway, message_id)] == ["delivered"]
    [(copy, _)] = delivered(gateway, message_id)
    assert copy["From"] == author
    assert copy.get_all("DKIM-Signature") is None  # the sender signed nothing, and neither did we
    assert copy.get_all("ARC-Seal")  # our own results are still vouched for


def mixed(smuggle: bytes) -> bytes:
    """Each header line ends differently (CRLF, LF, CR in turn); forged fields hide behind `smuggle`."""
    fields = [b"From: Alice <alice@sender.test>", b"To: bob@example.test", b"Subject: quarterly figures",
              b"Message-ID: <mixed@sender.test>"]
    fields += [b"X-Note-%d: innocent" % i + smuggle + forged.encode() for i, forged in enumerate(FORGED)]
    endings = (b"\r\n", b"\n", b"\r")
    head = b"".join(field + endings[i % 3] for i, field in enumerate(fields))
    return head + b"\r\nThe figures are attached.\n"


@pytest.mark.parametrize("data", [
    mixed(b"\r"),
    mixed(b"\n"),
    b"\r".join([b"From: Alice <alice@sender.test>", b"To: bob@example.test", b"Subject: cr only",
                *(b"X-Note: a\r" + forged.encode() for forged in FORGED), b"", b"Only CRs here.", b""]),
], ids=["mixed-cr", "mixed-lf", "cr-only"])
def test_forged_fields_in_mixed_or_cr_only_messages_are_removed(gateway, data: bytes) -> None:
    message_id = smtp_send(gateway, data)
    assert [e["kind"] for e in outcomes(gateway, message_id)] == ["delivered"]
    [raw] = delivered_raw(gateway, message_id)
    fields = header_fields(raw)
    ours = [f for f in fields if f.lower().startswith("authentication-results:") and AUTHSERV_ID in f]
    assert len(ours) == 1 and "dmarc=pass header.from=sender.test" not in ours[0], ours
    assert not [f for f in fields if f.startswith("X-MS-Exchange-Organization-SCL: -1")]
    assert not [f for f in fields if "NO-FORGED" in f]
    assert b"\r\n" in raw and b"\r" not in raw.replace(b"\r\n", b"")  # what was delivered has one line ending
    received = next(e for e in events(gateway, message_id) if e["kind"] == "received")
    assert any("line ending" in defect for defect in received["detail"]["defects"])
