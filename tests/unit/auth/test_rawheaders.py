"""The byte-level header scan that lets unsigned mail skip dkimpy entirely."""

from __future__ import annotations

from mailgate.scanners.authentication.rawheaders import count_fields, field_values, header_block


def test_values_with_continuation_lines_in_header_order() -> None:
    raw = (b"DKIM-Signature: a=1;\r\n\tb=2\r\nFrom: x\r\ndkim-signature:c=3\r\n\r\n"
           b"DKIM-Signature: in the body, not a header\r\n")
    assert field_values(raw, "DKIM-Signature") == [b" a=1;\r\n\tb=2", b"c=3"]
    assert count_fields(raw, "dkim-signature") == 2


def test_names_inside_other_fields_do_not_count() -> None:
    raw = b"Subject: x\n\tDKIM-Signature: folded into the subject\nX-DKIM-Signature: no\n\nbody\n"
    assert count_fields(raw, "DKIM-Signature") == 0


def test_header_block_ends_at_the_first_empty_line_for_lf_and_crlf() -> None:
    assert header_block(b"A: 1\r\nB: 2\r\n\r\nbody\n\nmore") == b"A: 1\r\nB: 2\r\n"
    assert header_block(b"A: 1\nB: 2\n\nbody") == b"A: 1\nB: 2\n"
    assert header_block(b"A: 1") == b"A: 1"
