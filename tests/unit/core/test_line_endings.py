"""Every header splitter reads CR, LF and CRLF alike as a line end, as the SMTP client that delivers the
message will: a field hidden behind a bare CR is a field of its own everywhere, even in bytes that did not
go through the one normalisation at ingress (message.line_endings)."""

from __future__ import annotations

import pytest

from mailgate.delivery.header_edit import edit_headers, field_name, split_header_block
from mailgate.delivery.subject_tag import tag_subject
from mailgate.message import DefectKind, parse_message
from mailgate.message.line_endings import normalised_line_endings, with_line_ending_defect

FORGED = b"Authentication-Results: mailgate.local; dmarc=pass"


def smuggled(line_end: bytes, smuggle: bytes) -> bytes:
    return line_end.join([b"From: a@sender.test", b"X-Note: a" + smuggle + FORGED, b"Subject: hi", b"",
                          b"body", b""])


CASES = [(b"\r\n", b"\r"), (b"\r\n", b"\n"), (b"\n", b"\r"), (b"\r", b"\r"), (b"\r\n", b"\r\n")]
IDS = ["cr-in-crlf", "lf-in-crlf", "cr-in-lf", "cr-only", "crlf"]


@pytest.mark.parametrize(("line_end", "smuggle"), CASES, ids=IDS)
def test_the_delivery_steps_header_splitter_sees_the_smuggled_field(line_end: bytes, smuggle: bytes) -> None:
    block = split_header_block(smuggled(line_end, smuggle))
    assert [field_name(f) for f in block.fields] == ["from", "x-note", "authentication-results", "subject"]
    assert block.body.lstrip(b"\r\n") == b"body" + line_end


@pytest.mark.parametrize(("line_end", "smuggle"), CASES, ids=IDS)
def test_a_forged_field_behind_any_line_end_is_removed_on_delivery(line_end: bytes, smuggle: bytes) -> None:
    edited = edit_headers(smuggled(line_end, smuggle), remove=lambda name, _value: name == "authentication-results")
    assert b"dmarc=pass" not in edited
    assert b"X-Note: a" in edited and b"Subject: hi" in edited and edited.endswith(b"body" + line_end)


def test_splitting_keeps_every_byte_and_folded_fields_whole() -> None:
    raw = b"Subject: one\r\n two\r\nX-A: 1\rX-B: 2\n\r\nbody\r"
    block = split_header_block(raw)
    assert block.render() == raw
    assert block.fields == (b"Subject: one\r\n two\r\n", b"X-A: 1\r", b"X-B: 2\n")


@pytest.mark.parametrize(("line_end", "smuggle"), CASES, ids=IDS)
def test_the_parser_sees_the_smuggled_field(line_end: bytes, smuggle: bytes) -> None:
    names = [name.lower() for name, _ in parse_message(smuggled(line_end, smuggle)).headers]
    assert "authentication-results" in names and "subject" in names


def test_a_subject_tag_on_a_message_with_bare_crs_does_not_swallow_the_next_field() -> None:
    tagged = tag_subject(b"Subject: hi\rX-B: 2\r\rbody\r", ["[Probable spam]"])
    assert [field_name(f) for f in split_header_block(tagged).fields] == ["subject", "x-b"]
    assert b"Subject: [Probable spam] hi" in tagged


def test_the_normalisation_is_recorded_as_a_defect_of_its_own_kind() -> None:
    raw, changed = normalised_line_endings(smuggled(b"\r\n", b"\r"))
    message = with_line_ending_defect(parse_message(raw), changed)
    assert message.has_defect(DefectKind.LINE_ENDINGS_NORMALISED) and "line ending" in message.defects[0]
    clean = parse_message(smuggled(b"\r\n", b"\r\n"))
    assert with_line_ending_defect(clean, 0) is clean
