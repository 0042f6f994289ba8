"""Header fields: splitting a header block, RFC 2047 decoding, address lists.

Raw values keep the exact bytes (ASCII with surrogate escapes, like the stdlib's compat32) so
parameters and addresses are parsed before any decoding can smuggle in delimiters; the public
values are decoded text without CR/LF.
"""

from __future__ import annotations

import binascii
import email.utils
import re
from dataclasses import dataclass

from mailgate.message.decoding import decode_base64, decode_text
from mailgate.message.limits import ParseLimits

# A header block ends at the first line that is neither a field, a continuation nor an mbox
# "From " line: like the stdlib, that line starts the body.
_FIELD_LINE = rb"(?:[\x21-\x39\x3b-\x7e]*[ \t]*:|[ \t]|From )"
_HEADER_LINE = re.compile(_FIELD_LINE)
# Patterns start with a literal newline so the regex engine can skip ahead with a fast search.
_NOT_HEADER_LINE = re.compile(rb"\n(?!" + _FIELD_LINE + rb")")
# A bare CR breaks a field too (the delivering SMTP client makes it CRLF): input from the mail path is normalised
# already (message.line_endings), this keeps a field smuggled behind a CR visible to any other caller.
_FIELD_BREAK = re.compile(rb"\n(?![ \t])|\r(?![\n \t])")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*)\?=")
_ADDR_SPEC = r"[^\s<>(),;:\"@\[\]\\]+@[^\s<>(),;:\"@\[\]\\]+"
_SIMPLE_MAILBOX = re.compile(
    rf"\s*(?:(?:\"((?:[^\"\\]|\\.)*)\"|([^\"<>(),;:@\[\]\\]*?))\s*<({_ADDR_SPEC})>|({_ADDR_SPEC}))\s*\Z")
_QUOTED_PAIR = re.compile(r"\\(.)")
_MAX_ADDRESSES = 1000
_SURROGATE = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class HeaderBlock:
    fields: tuple[tuple[str, str], ...]  # (name, raw value): unfolded, surrogate-escaped
    body_start: int
    problems: tuple[str, ...]
    truncated: tuple[str, ...]  # bounds that cut something


def split_header_block(buffer: bytes, start: int, end: int, limits: ParseLimits) -> HeaderBlock:
    """Read the header fields of the entity at buffer[start:end] and find where its body starts."""
    if start >= end:
        return HeaderBlock((), start, (), ())
    if buffer.startswith(b"\n", start, end) or buffer.startswith(b"\r\n", start, end):
        return HeaderBlock((), start + (1 if buffer[start] == 0x0A else 2), (), ())
    problems: list[str] = []
    cuts: list[str] = []
    blank = _BLANK_LINE.search(buffer, start, end)
    header_end, body_start = (end, end) if blank is None else (blank.start(), blank.end())
    if header_end - start > limits.max_header_block_bytes:
        header_end = start + limits.max_header_block_bytes
        cuts.append(f"header block larger than {limits.max_header_block_bytes} bytes: the rest not parsed")
    if not _HEADER_LINE.match(buffer, start, end):
        header_end = body_start = start
        problems.append("content starts without a header block")
    else:
        stray = _NOT_HEADER_LINE.search(buffer, start, header_end)
        if stray is not None and stray.end() < header_end:
            header_end = body_start = stray.end()
            problems.append("header block ends without a blank line")
    fields, truncated = _fields(buffer, start, header_end, limits.max_headers, limits.max_header_length)
    return HeaderBlock(fields, body_start, tuple(problems), (*cuts, *truncated))


def _fields(
    buffer: bytes, start: int, end: int, max_headers: int, max_length: int
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    # One C-level split at line breaks not followed by folding whitespace: no Python loop per line.
    lines = _FIELD_BREAK.split(buffer[start:end], max_headers)
    truncated: list[str] = []
    if len(lines) > max_headers:
        truncated.append(f"header limit {max_headers} reached: further header fields not parsed")
        lines.pop()
    fields = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or line.startswith(b"From "):
            continue  # an mbox "From " line, skipped as the stdlib does
        if b"\n" in value:
            value = value.replace(b"\r\n", b"").replace(b"\n", b"")
        value = value.strip()
        label = name.decode("ascii", "replace").strip()
        if len(value) > max_length:
            value = value[:max_length]
            truncated.append(f"header {label[:60]} longer than {max_length} characters truncated")
        fields.append((label, value.decode("ascii", "surrogateescape")))
    return tuple(fields), tuple(truncated)


def clean(raw: str) -> str:
    """Raw (surrogate-escaped) text as readable text: 8-bit bytes as UTF-8, else Windows-1252."""
    if not raw.isascii() and _SURROGATE.search(raw):
        data = raw.encode("utf-8", "surrogateescape")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("cp1252", "replace")
    if not raw.isprintable() and _CONTROL.search(raw):
        raw = _CONTROL.sub(" ", raw)
    return raw


def decode_value(raw: str) -> str:
    """A header value as a reader sees it: encoded words decoded, no control characters."""
    if raw.isprintable() and "=?" not in raw:  # most fields: plain ASCII (isprintable: no controls)
        return raw.strip() if raw.isascii() else clean(raw).strip()
    return decode_words(clean(raw)).strip()


def decode_words(value: str) -> str:
    """RFC 2047 encoded words, tolerant like mail clients: adjacent words of one charset are
    joined before decoding (senders split multibyte characters), whitespace between words drops."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = bytearray()
    pending_charset = ""
    position = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position:match.start()]
        charset = match[1].split("*", 1)[0].lower()
        drop_gap = after_word and (not gap or gap.isspace())
        if pending and (not drop_gap or charset != pending_charset):
            out.append(decode_text(bytes(pending), pending_charset)[0])
            pending.clear()
        if not drop_gap:
            out.append(gap)
        pending += _word_bytes(match[2], match[3])
        pending_charset = charset
        position = match.end()
        after_word = True
    if pending:
        out.append(decode_text(bytes(pending), pending_charset)[0])
    out.append(value[position:])
    return _CONTROL.sub(" ", "".join(out))


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("utf-8", "replace")
    if encoding in "bB":
        return decode_base64(data)[0]
    return binascii.a2b_qp(data, header=True)


def parse_addresses(raw_values: list[str]) -> tuple[tuple[str, str], ...]:
    """(display name, addr-spec) pairs; parsed on raw values so decoded names cannot add addresses."""
    if not raw_values:
        return ()
    if len(raw_values) == 1:
        simple = _simple_address(raw_values[0])
        if simple is not None:
            return (simple,)
    try:
        pairs = email.utils.getaddresses(raw_values)
    except Exception:  # stdlib parser on hostile input; unparsable is empty
        return ()
    result = []
    for name, raw_address in pairs[:_MAX_ADDRESSES]:
        address = clean(raw_address).strip()
        if address:
            result.append((decode_value(name), address))
    return tuple(result)


def _simple_address(raw: str) -> tuple[str, str] | None:
    """The common single-mailbox forms without the stdlib's character-by-character parser;
    anything else (comments, groups, lists, odd quoting) goes to the full parser."""
    match = _SIMPLE_MAILBOX.match(raw)
    if match is None:
        return None
    quoted, plain, angle, bare = match.groups()
    name = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else plain or ""
    return decode_value(name), clean(angle or bare)
