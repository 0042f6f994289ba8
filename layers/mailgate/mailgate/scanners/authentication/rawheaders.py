"""Cheap questions about a raw message's header block, asked before any expensive parsing.

Most mail carries no ARC set and much carries no DKIM signature; answering "is there one?" on the
bytes lets the checks skip dkimpy's parsing and crypto entirely (microseconds per message). A
field is matched as dkimpy matches it (the name at the start of a line, then the colon), so the
n-th value found here is the n-th signature dkimpy verifies.
"""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(rb"\n\r?\n")


def header_block(raw: bytes) -> bytes:
    """The bytes up to the first empty line (the whole message if there is none)."""
    match = _BLANK_LINE.search(raw)
    return raw[: match.start() + 1] if match else raw


def field_values(raw: bytes, name: str) -> list[bytes]:
    """The raw values (continuation lines included) of every header field called `name`."""
    block = header_block(raw)
    lowered = block.lower()  # same offsets as `block`: ASCII lower-casing keeps every byte in place
    key = b"\n" + name.lower().encode("ascii") + b":"
    starts = [0] if lowered.startswith(key[1:]) else []
    found = lowered.find(key)
    while found >= 0:
        starts.append(found + 1)
        found = lowered.find(key, found + 1)
    return [_value(block, start + len(key) - 1) for start in starts]


def _value(block: bytes, start: int) -> bytes:
    """From just after the colon to the end of the field's last continuation line."""
    end = block.find(b"\n", start)
    while end >= 0 and block[end + 1 : end + 2] in (b" ", b"\t"):
        end = block.find(b"\n", end + 1)
    return block[start : len(block) if end < 0 else end].rstrip(b"\r")


def count_fields(raw: bytes, name: str) -> int:
    """How many header fields called `name` (case-insensitive) the message has."""
    return len(field_values(raw, name))
