"""The header fields the delivered copy carries: ours (under the configured names), never forged ones."""

from __future__ import annotations

import email
import email.policy

from mailgate.delivery.outbound import prepare_for_delivery
from mailgate.rules.decision import DELIVER, Decision
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult, ScanReport

RAW = (b"X-Mailgate-Spam-Flag: NO\r\nX-Corp-Scan-Action: deliver\r\nX-MS-Exchange-Organization-SCL: -1\r\n"
       b"From: a@sender.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nbody\r\n")


def report() -> ScanReport:
    spam = ScannerResult("antispam", "probable_spam", 4.2, details={"scl": 6})
    return ScanReport("m-1", {"bucket": "b", "key": "k"}, Envelope("a@sender.test", ()), {}, (spam,))


def fields(raw: bytes) -> dict[str, list[str]]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    found: dict[str, list[str]] = {}
    for name, value in parsed.items():
        found.setdefault(name, []).append(str(value))
    return found


def test_verdict_fields_take_the_configured_prefix_and_forged_ones_go() -> None:
    decision = Decision(DELIVER, False, "Default", "no policy violation")
    out = fields(prepare_for_delivery(RAW, report(), decision, "mx.example.test", "X-Corp-Scan-"))
    assert out["X-Mailgate-Id"] == ["m-1"]  # support's handle keeps its name
    assert out["X-Corp-Scan-Action"] == ["deliver"] and out["X-Corp-Scan-Rule"] == ["Default"]
    assert out["X-Corp-Scan-Spam-Score"] == ["4.20"] and out["X-Corp-Scan-Spam-Flag"] == ["YES"]
    assert "antispam=probable_spam score=4.2" in out["X-Corp-Scan-Verdicts"][0]
    assert out["X-MS-Exchange-Organization-SCL"] == ["6"]  # ours replaces the forged -1
    assert "X-Mailgate-Spam-Flag" not in out  # a forged field in the default namespace is gone too
    assert out["Subject"] == ["hi"]


def test_default_names() -> None:
    decision = Decision(DELIVER, False, "Default", "no policy violation")
    out = fields(prepare_for_delivery(RAW, report(), decision, "mx.example.test"))
    assert out["X-Mailgate-Spam-Flag"] == ["YES"] and out["X-Mailgate-Rule"] == ["Default"]
    assert out["X-Corp-Scan-Action"] == ["deliver"]  # not ours under the default prefix: left alone


def test_outbound_mail_gets_the_date_and_message_id_its_client_left_out_and_inbound_mail_never() -> None:
    import msgspec

    decision = Decision(DELIVER, False, "Default", "no policy violation")
    outbound = msgspec.structs.replace(report(), envelope=Envelope(
        "ceo@example.test", ("p@elsewhere.test",), received_at="2026-12-06T09:30:00.000Z", direction="outbound"))
    added = fields(prepare_for_delivery(RAW, outbound, decision, "mx.example.test"))
    assert added["Date"] == ["Sun, 06 Dec 2026 09:30:00 +0000"]
    assert added["Message-ID"] == ["<m-1@mx.example.test>"]  # the same on every retry
    complete = b"Date: Sat, 05 Dec 2026 10:00:00 +0000\r\nMessage-ID: <own@example.test>\r\n" + RAW
    kept = fields(prepare_for_delivery(complete, outbound, decision, "mx.example.test"))
    assert kept["Date"] == ["Sat, 05 Dec 2026 10:00:00 +0000"] and kept["Message-ID"] == ["<own@example.test>"]
    inbound = fields(prepare_for_delivery(RAW, report(), decision, "mx.example.test"))
    assert "Date" not in inbound and "Message-ID" not in inbound  # mail from outside is passed on as it came
