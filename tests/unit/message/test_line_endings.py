"""Every step sees one kind of line ending: the message's own (CRLF when it has any, LF for an LF-only file)."""

from __future__ import annotations

import pytest

from mailgate.message import parse_message
from mailgate.message.line_endings import normalised_line_endings


@pytest.mark.parametrize(("raw", "expected", "changed"), [
    (b"A: 1\r\nB: 2\r\n\r\nbody\r\n", b"A: 1\r\nB: 2\r\n\r\nbody\r\n", 0),
    (b"A: 1\nB: 2\n\nbody\n", b"A: 1\nB: 2\n\nbody\n", 0),
    (b"A: 1\rB: 2\r\n\r\nbody\r\n", b"A: 1\r\nB: 2\r\n\r\nbody\r\n", 1),
    (b"A: 1\nB: 2\r\n\r\nbody\n", b"A: 1\r\nB: 2\r\n\r\nbody\r\n", 2),
    (b"A: 1\rB: 2\n\nbody\r\r", b"A: 1\nB: 2\n\nbody\n\n", 3),
    (b"A: 1\r\r\nB: 2\r\n", b"A: 1\r\n\r\nB: 2\r\n", 1),  # CR CR LF: a line end, then another
])
def test_each_cr_lf_and_crlf_becomes_the_messages_own_line_ending(raw: bytes, expected: bytes, changed: int) -> None:
    assert normalised_line_endings(raw) == (expected, changed)


def test_a_field_behind_a_bare_cr_is_a_field_of_its_own_once_normalised() -> None:
    raw = b"Subject: hi\r\nX-Note: a\rAuthentication-Results: mailgate.local; dmarc=pass\r\n\r\nbody\r\n"
    names = [name.lower() for name, _ in parse_message(normalised_line_endings(raw)[0]).headers]
    assert names == ["subject", "x-note", "authentication-results"]
