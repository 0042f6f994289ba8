"""Subject tags as the recipient sees them, in every encoding a subject arrives in."""

from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header

from mailgate.delivery.subject_tag import tag_subject


def subject_of(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


def message(subject_field: bytes, newline: bytes = b"\r\n") -> bytes:
    lines = [b"From: a@sender.test", b"To: b@example.test", subject_field, b"Message-ID: <1@sender.test>", b"",
             b"Hello."]
    return newline.join(lines) + newline


def test_tag_is_prefixed_and_only_the_subject_changes() -> None:
    raw = message(b"Subject: Quarterly report")
    out = tag_subject(raw, ["[Spam]"])
    assert subject_of(out) == "[Spam] Quarterly report"
    assert out.replace(b"[Spam] ", b"") == raw


def test_several_tags_in_order_and_not_twice() -> None:
    once = tag_subject(message(b"Subject: Offer"), ["[Probable spam]", "[Suspicious]"])
    assert subject_of(once) == "[Probable spam] [Suspicious] Offer"
    assert tag_subject(once, ["[Probable spam]", "[Suspicious]"]) == once
    reply = message(b"Subject: RE: [probable SPAM] Offer")
    assert tag_subject(reply, ["[Probable spam]"]) == reply  # replies to tagged mail keep one tag


def test_encoded_and_raw_utf8_subjects_stay_readable() -> None:
    encoded = message(b"Subject: =?iso-8859-1?q?R=E9union_d=27=E9quipe?=")
    assert subject_of(tag_subject(encoded, ["[Spam]"])) == "[Spam] Réunion d'équipe"
    raw_utf8 = message("Subject: Привет, коллеги".encode())
    out = tag_subject(raw_utf8, ["[Спам]"])
    assert subject_of(out) == "[Спам] Привет, коллеги"
    field = out.split(b"\r\n")[2]  # our tag as an RFC 2047 word; the sender's raw UTF-8 as it came
    assert field.startswith(b"Subject: =?utf-8?b?") and field.endswith("Привет, коллеги".encode())


def test_the_original_value_keeps_its_bytes_folding_and_line_endings() -> None:
    folded = b"Subject: a long subject that an earlier hop\n folded onto two lines"
    out = tag_subject(message(folded, b"\n"), ["[Spam]"])
    assert b"\r" not in out
    assert b"Subject: [Spam] a long subject that an earlier hop\n folded onto two lines\n" in out
    assert subject_of(out) == "[Spam] a long subject that an earlier hop folded onto two lines"


def test_raw_8bit_subject_in_an_unknown_charset_is_kept_byte_for_byte() -> None:
    gb2312 = "Subject: 你好报价单".encode("gb2312")
    out = tag_subject(message(gb2312), ["[Spam]", "[Спам]"])
    field = out.split(b"\r\n")[2]
    assert field.startswith(b"Subject: =?utf-8?b?") and field.endswith(b"?= " + "你好报价单".encode("gb2312"))
    assert str(make_header(decode_header(field[9:].split(b" ")[0].decode()))) == "[Spam] [Спам]"


def test_missing_subject_gets_one_and_no_tags_changes_nothing() -> None:
    raw = b"From: a@sender.test\r\nTo: b@example.test\r\n\r\nHello.\r\n"
    assert subject_of(tag_subject(raw, ["[Spam]"])) == "[Spam]"
    assert tag_subject(raw, []) == raw
    assert tag_subject(raw, ["  "]) == raw


def test_injected_line_breaks_in_a_tag_cannot_add_fields() -> None:
    out = tag_subject(message(b"Subject: hi"), ["[Spam]\r\nBcc: x@evil.test"])
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["Subject"].startswith("[Spam]")
