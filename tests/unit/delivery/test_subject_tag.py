"""Subject tags as the recipient sees them, in every encoding a subject arrives in."""

from __future__ import annotations

import email
import email.policy

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
    assert out.split(b"\r\n\r\n", 1)[0].isascii()  # RFC 2047 encoded words, never raw 8-bit in our field


def test_long_subject_is_folded_and_line_endings_kept() -> None:
    long = "word " * 60
    out = tag_subject(message(b"Subject: " + long.strip().encode(), b"\n"), ["[Spam]"])
    assert b"\r" not in out
    header = out.split(b"\n\n", 1)[0]
    assert max(len(line) for line in header.split(b"\n")) <= 78
    assert subject_of(out) == "[Spam] " + long.strip()


def test_missing_subject_gets_one_and_no_tags_changes_nothing() -> None:
    raw = b"From: a@sender.test\r\nTo: b@example.test\r\n\r\nHello.\r\n"
    assert subject_of(tag_subject(raw, ["[Spam]"])) == "[Spam]"
    assert tag_subject(raw, []) == raw
    assert tag_subject(raw, ["  "]) == raw


def test_injected_line_breaks_in_a_tag_cannot_add_fields() -> None:
    out = tag_subject(message(b"Subject: hi"), ["[Spam]\r\nBcc: x@evil.test"])
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["Subject"].startswith("[Spam]")
