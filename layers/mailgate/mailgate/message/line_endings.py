"""One kind of line ending per message, made once where a step reads the stored original.

A sender controls line endings: `X-Note: a<CR>Authentication-Results: ours; dmarc=pass` is one field to a
reader that breaks lines only on LF, and two fields to the SMTP client that delivers it (it turns every CR,
LF and CRLF into CRLF). So every step works on what the recipient's server will see: each CR, LF and CRLF
becomes the message's own line ending (CRLF when it has any, as mail received over SMTP does; LF for a file
written with LF only), before anything parses, strips or adds header fields.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mailgate.message.defects import DefectKind
from mailgate.message.model import Message

_ANY_LINE_END = re.compile(rb"\r\n|\r|\n")
LINE = re.compile(rb"([^\r\n]*)(?:\r\n|\r|\n)?")
"""One line with its ending (group 1: without it); a bare CR ends a line like LF and CRLF. For code that splits
lines of bytes that may not have been normalised (the delivery step's header editing, a last line of defence)."""


def normalised_line_endings(raw: bytes) -> tuple[bytes, int]:
    """(the message with one kind of line ending, how many endings were changed)."""
    crlf = raw.count(b"\r\n")
    newline = b"\r\n" if crlf else b"\n"
    bare_cr, bare_lf = raw.count(b"\r") - crlf, raw.count(b"\n") - crlf
    changed = bare_cr + (bare_lf if crlf else 0)
    if not changed:
        return raw, 0
    return _ANY_LINE_END.sub(newline, raw), changed


def crlf_line_endings(raw: bytes) -> bytes:
    """Every CR, LF and CRLF as CRLF: the form SMTP carries (what the delivering client sends)."""
    return _ANY_LINE_END.sub(b"\r\n", raw)


def line_ending_note(changed: int) -> str:
    return (f"{changed} line ending(s) were a bare CR or did not match the rest of the message: every line "
            "ending was made the same before scanning, as the delivering SMTP client would make them")


def with_line_ending_defect(message: Message, changed: int) -> Message:
    """The parsed message of a normalised original, with the normalisation recorded as its defect (first, so
    it is never among the texts a long defect list drops)."""
    if not changed:
        return message
    kinds = dict(message.defect_kinds)
    kinds[DefectKind.LINE_ENDINGS_NORMALISED] = kinds.get(DefectKind.LINE_ENDINGS_NORMALISED, 0) + 1
    return replace(message, defects=(line_ending_note(changed), *message.defects), defect_kinds=kinds)
