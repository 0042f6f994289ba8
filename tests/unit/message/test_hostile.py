"""Hostile and broken input: always a Message, never an exception, every cut recorded."""

from __future__ import annotations

import json
import random

from mailgate.message import ParseLimits, parse_message

from .build import many_parts, nested_multipart, raw_mail


def test_empty_input_is_an_empty_message_with_a_defect() -> None:
    message = parse_message(b"")
    assert message.defects == ("empty message",)
    assert message.parts_count == 0
    assert message.subject == ""
    json.dumps(message.facts())


def test_random_binary_is_kept_as_an_unparsable_message() -> None:
    raw = random.Random(5322).randbytes(256 * 1024)
    message = parse_message(raw)
    assert message.raw == raw
    assert message.headers == ()
    assert any("does not look like a mail message" in d for d in message.defects)
    json.dumps(message.facts())


def test_a_text_file_that_is_not_mail_becomes_its_text_body() -> None:
    raw = b"Shopping list\nmilk, eggs - see www.shop.example/list\n"
    message = parse_message(raw)
    assert message.headers == ()
    assert "milk, eggs" in message.text_body
    assert [u.url for u in message.urls] == ["http://www.shop.example/list"]
    assert any("does not look like a mail message" in d for d in message.defects)


def test_nesting_beyond_the_depth_limit_is_cut_not_recursed() -> None:
    message = parse_message(nested_multipart(100))
    assert message.max_depth_seen == 20
    assert "the innermost text" not in message.text_body
    assert any(d.startswith("MIME depth limit 20 reached at part 1.1.1") for d in message.defects)
    assert message.incomplete


def test_thousands_of_nesting_levels_do_not_raise_recursion_errors() -> None:
    message = parse_message(nested_multipart(5000))
    assert message.max_depth_seen == 20
    assert message.subject == "deep"


def test_ten_thousand_parts_stop_at_the_part_limit() -> None:
    message = parse_message(many_parts(10_000))
    assert message.parts_count == 500
    assert "part 498" in message.text_body
    assert "part 499" not in message.text_body  # the container is part 1 of the 500
    assert any(d.startswith("part limit 500 reached at part 500") for d in message.defects)
    assert message.incomplete


def test_a_one_megabyte_header_is_truncated_and_the_body_still_read() -> None:
    raw = raw_mail("From: a@example.test", "Subject: " + "A" * (1024 * 1024), body="hello there")
    message = parse_message(raw)
    assert len(message.subject) == 64 * 1024
    assert message.text_body == "hello there"
    assert any("header Subject longer than 65536" in d for d in message.defects)


def test_a_header_folded_over_many_lines_is_unfolded_without_line_breaks() -> None:
    folded = "\r\n ".join(["word"] * 50_000)
    message = parse_message(raw_mail("From: a@example.test", f"Subject: {folded}", body="x"))
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject.startswith("word word word")


def test_header_fields_beyond_the_limit_are_dropped_with_a_defect() -> None:
    fields = [f"X-Filler-{index}: {index}" for index in range(5000)]
    message = parse_message(raw_mail("From: a@example.test", *fields, body="body"))
    assert len(message.headers) == 1000
    assert any("header limit 1000 reached" in d for d in message.defects)


def test_custom_limits_apply() -> None:
    limits = ParseLimits(max_depth=3, max_parts=10)
    message = parse_message(nested_multipart(8), limits)
    assert message.max_depth_seen == 3
    assert parse_message(many_parts(50), limits).parts_count == 10


def test_bad_base64_is_decoded_leniently_and_recorded() -> None:
    raw = raw_mail("From: a@example.test", "Content-Type: text/plain",
                   "Content-Transfer-Encoding: base64",
                   body="aGVsbG8g!!d29y*bGQ\r\n")  # "hello world" with junk and no padding
    message = parse_message(raw)
    assert message.text_body == "hello world"
    assert any("invalid base64" in d for d in message.defects)


def test_unknown_charset_falls_back_and_is_recorded() -> None:
    raw = (b"From: a@example.test\r\nContent-Type: text/plain; charset=x-martian\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\nna\xc3\xafve caf\xc3\xa9\r\n")
    message = parse_message(raw)
    assert message.text_body.startswith("naïve café")
    assert any("unknown charset 'x-martian'" in d for d in message.defects)


def test_bytes_invalid_in_the_declared_charset_are_replaced() -> None:
    raw = (b"From: a@example.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"ok \xff\xfe broken\r\n")
    message = parse_message(raw)
    assert message.text_body.startswith("ok \ufffd\ufffd broken")
    assert any("bytes invalid in charset 'utf-8'" in d for d in message.defects)


def test_multipart_without_a_usable_boundary_is_read_as_text() -> None:
    raw = raw_mail("From: a@example.test", "Content-Type: multipart/mixed; boundary=nothere",
                   body="visit https://example.test/x\r\n")
    message = parse_message(raw)
    assert "visit" in message.text_body
    assert [u.host for u in message.urls] == ["example.test"]
    assert any("start boundary not found" in d for d in message.defects)


def test_missing_close_boundary_keeps_the_last_part() -> None:
    raw = raw_mail("From: a@example.test", "Content-Type: multipart/mixed; boundary=b",
                   body="--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\n\r\nsecond, unterminated")
    message = parse_message(raw)
    assert message.text_body == "first\nsecond, unterminated"
    assert any("close boundary not found" in d for d in message.defects)


def test_header_block_without_blank_line_ends_at_the_first_non_header_line() -> None:
    message = parse_message(b"From: a@example.test\r\nSubject: hi\r\nThis line is body text.\r\n")
    assert message.subject == "hi"
    assert message.text_body.startswith("This line is body text.")
    assert any("header block ends without a blank line" in d for d in message.defects)


def test_decoded_size_bounds_truncate_content() -> None:
    payload = "A" * 10_000
    raw = raw_mail("From: a@example.test", "Content-Type: text/plain", body=payload)
    message = parse_message(raw, ParseLimits(max_part_decoded_bytes=1000))
    assert message.text_body == "A" * 1000
    assert message.incomplete


def test_html_without_a_mime_charset_uses_its_meta_declaration() -> None:
    raw = (b"From: a@example.test\r\nContent-Type: text/html\r\n\r\n"
           b'<html><head><meta charset="windows-1251"></head><body>\xd1\xf7\xe5\xf2</body></html>')
    assert parse_message(raw).html_text == "Счет"
