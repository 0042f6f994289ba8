"""Edit the header block of a raw message without re-serialising it.

Re-serialising through the email package rewrites folding and encodings, which breaks the
sender's DKIM signatures; so we work on the bytes: remove whole fields, prepend new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailgate.message.line_endings import LINE as _LINE


@dataclass(frozen=True)
class HeaderBlock:
    fields: tuple[bytes, ...]  # each field with its continuation lines and line endings
    body: bytes  # everything after the header block, including the blank separator line
    newline: bytes

    def render(self) -> bytes:
        return b"".join(self.fields) + self.body


def split_header_block(raw: bytes) -> HeaderBlock:
    """Fields and body. A bare CR ends a line like LF and CRLF do, as the SMTP client that delivers the
    message will make it end one: `X-Note: a<CR>Authentication-Results: ...` is two fields here too."""
    newline = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
    fields: list[bytes] = []
    position = 0
    for match in _LINE.finditer(raw):
        line, content = match[0], match[1]
        if not content:  # the empty line before the body, or the end of the message
            break
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        elif b":" in content or not fields:
            fields.append(line)
        else:  # a line that is neither a field nor a continuation: the body starts here (malformed)
            break
        position = match.end()
    body = raw[position:]
    if fields and not fields[-1].endswith((b"\n", b"\r")):
        fields[-1] += newline
    return HeaderBlock(tuple(fields), body, newline)


def field_name(field: bytes) -> str:
    return field.split(b":", 1)[0].strip().decode("ascii", "replace").lower()


def field_value(field: bytes) -> str:
    value = field.split(b":", 1)[1] if b":" in field else b""
    return " ".join(value.decode("utf-8", "replace").split())


def edit_headers(
    raw: bytes,
    remove: Callable[[str, str], bool] | None = None,
    prepend: Sequence[tuple[str, str]] = (),
) -> bytes:
    """Drop fields for which remove(name, value) is true, then prepend (name, value) fields in order."""
    block = split_header_block(raw)
    kept = [f for f in block.fields if not (remove and remove(field_name(f), field_value(f)))]
    new = [folded_field(name, value, block.newline) for name, value in prepend]
    return b"".join(new) + b"".join(kept) + block.body


FOLD_AT = 78  # RFC 5322 §2.1.1: lines SHOULD be at most 78 characters
MAX_LINE = 998  # and MUST be at most 998


def folded_field(name: str, value: str, newline: bytes = b"\r\n") -> bytes:
    """`name: value` with its own line breaks removed (nothing can inject a field), folded at spaces so
    lines stay within 78 characters where the words allow and never exceed 998 (a longer word is cut)."""
    piece = max(1, MAX_LINE - len(name) - 2)  # a word cut to this fits even on the first line
    words = [w[i:i + piece] for w in _fold(value).split(" ") if w for i in range(0, len(w), piece)]
    lines = [f"{name}:"]
    for position, word in enumerate(words):
        if position and len(lines[-1]) + 1 + len(word) > FOLD_AT:  # the first word stays beside the name
            lines.append("")
        lines[-1] += " " + word
    return newline.join(line.encode() for line in lines) + newline


def _fold(value: str) -> str:
    """Keep header values single-line and free of injected line breaks."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())
