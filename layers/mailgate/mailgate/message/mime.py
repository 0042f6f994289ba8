"""The bounded MIME walk: raw bytes to a flat list of leaf entities, in document order.

The stdlib's feedparser builds the whole tree before anything can bound it, recurses per level
(2,000 nested multiparts raise RecursionError) and touches every line in Python. This walk is
iterative, reads only header blocks and delimiter lines (found with bytes.find), and stops at
`max_depth` and `max_parts`, recording each cut. Parameters still go through the stdlib (RFC 2231,
defaults), and delimiters follow the feedparser's rules, so both read a message the same way.
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from mailgate.message.decoding import decode_transfer
from mailgate.message.defects import DefectKind
from mailgate.message.headers import HeaderBlock, clean, decode_value, split_header_block
from mailgate.message.state import ParseState

_PARAM_HEADERS = frozenset({"content-type", "content-disposition", "content-transfer-encoding"})
_TYPE_TOKEN = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})


@dataclass(frozen=True, slots=True)
class Entity:
    """One leaf: its headers (raw values) and where its still-encoded body lies."""

    path: str
    depth: int
    fields: tuple[tuple[str, str], ...]
    content_type: str
    charset: str | None
    filename: str | None
    disposition: str | None
    transfer_encoding: str
    boundary: bytes | None  # multiparts only
    buffer: bytes
    body_start: int
    body_end: int

    def body(self) -> bytes:
        return self.buffer[self.body_start:self.body_end]


@dataclass(frozen=True, slots=True)
class Walk:
    root_fields: tuple[tuple[str, str], ...]
    leaves: tuple[Entity, ...]
    parts: int
    max_depth: int


@dataclass(frozen=True, slots=True)
class _Pending:
    buffer: bytes
    start: int
    end: int
    path: str
    depth: int
    default_type: str = "text/plain"
    message_root: bool = False  # the top of a message: a single-part body is numbered "<path>.1"


def label(path: str) -> str:
    return f"part {path}" if path else "top level"


def child_path(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)


def walk(raw: bytes, state: ParseState) -> Walk:
    limits = state.limits
    stack = [_Pending(raw, 0, len(raw), "", 0, message_root=True)]
    leaves: list[Entity] = []
    root_fields: tuple[tuple[str, str], ...] = ()
    deepest = 0
    while stack:
        item = stack.pop()
        if state.parts >= limits.max_parts:
            state.cut(DefectKind.STRUCTURE_CUT, f"part limit {limits.max_parts} reached at {label(item.path)}: "
                      "remaining parts not parsed")
            break
        state.parts += 1
        deepest = max(deepest, item.depth)
        block = split_header_block(item.buffer, item.start, item.end, limits)
        if state.parts == 1:
            root_fields = block.fields
        entity = _describe(item, block, state)
        if entity.content_type.startswith("multipart/"):
            children = _children(item, entity, state)
            if children is not None:
                stack.extend(reversed(children))
                continue
            entity = replace(entity, content_type="text/plain")
        elif entity.content_type in _MESSAGE_TYPES:
            inner = _encapsulated(item, entity, state)
            if inner is not None:
                stack.append(inner)
                continue
        if item.message_root:
            entity = replace(entity, path=child_path(item.path, 1))
        leaves.append(entity)
    return Walk(root_fields, tuple(leaves), state.parts, deepest)


def _describe(item: _Pending, block: HeaderBlock, state: ParseState) -> Entity:
    for problem in block.problems:
        kind = DefectKind.NO_HEADERS if item.start == block.body_start else DefectKind.MISSING_HEADER_SEPARATOR
        state.defect(kind, f"{label(item.path)}: {problem}")
    for cut in block.truncated:  # a header block not read whole may hide a Content-Type or lose its boundary
        state.cut(DefectKind.STRUCTURE_CUT, f"{label(item.path)}: {cut}")
    message = email.message.Message()
    message.set_default_type(item.default_type)
    seen: set[str] = set()
    for name, value in block.fields:
        lowered = name.lower()
        if lowered not in _PARAM_HEADERS:
            continue
        if lowered in seen:
            state.defect(DefectKind.DUPLICATE_FIELD,
                         f"{label(item.path)}: more than one {name} header (the first is used)")
            continue
        seen.add(lowered)
        message[name] = clean(value)  # 8-bit parameters (raw UTF-8 filenames) as text
    body_end = max(block.body_start, item.end)
    try:
        declared = _TYPE_TOKEN.match(message.get_content_type())  # "text/html charset=x" is seen
        content_type = declared.group() if declared else item.default_type
        boundary = _boundary(message, item) if content_type.startswith("multipart/") else None
        raw_name = message.get_filename()
        return Entity(item.path, item.depth, block.fields, content_type, message.get_content_charset(),
                      _readable_filename(raw_name) if raw_name is not None else None,
                      message.get_content_disposition(),
                      str(message.get("content-transfer-encoding", "")).strip().lower(), boundary,
                      item.buffer, block.body_start, body_end)
    except Exception as exc:  # stdlib parameter parsing on hostile headers
        state.defect(DefectKind.INVALID_PARAMETERS,
                     f"{label(item.path)}: unparsable MIME parameters ({type(exc).__name__})")
        return Entity(item.path, item.depth, block.fields, item.default_type, None, None, None, "", None,
                      item.buffer, block.body_start, body_end)


def _readable_filename(raw: str) -> str | None:
    # Non-standard but common: RFC 2047 words inside a quoted filename parameter.
    name = decode_value(raw)[:1024]
    return name or None


def _children(item: _Pending, entity: Entity, state: ParseState) -> list[_Pending] | None:
    """The parts of a multipart, or None to read it as text (no usable boundary)."""
    limits = state.limits
    if item.depth >= limits.max_depth:
        state.cut(DefectKind.STRUCTURE_CUT, f"MIME depth limit {limits.max_depth} reached at {label(item.path)}: "
                  "deeper parts not parsed")
        return []
    boundary = entity.boundary
    if boundary is None:
        state.defect(DefectKind.NO_BOUNDARY,
                     f"{label(item.path)}: {entity.content_type} without a boundary, read as text")
        return None
    ranges, problem = split_multipart(entity.buffer, entity.body_start, entity.body_end, boundary,
                                      limits.max_parts + 1)
    if problem:
        kind = DefectKind.START_BOUNDARY_NOT_FOUND if not ranges else DefectKind.CLOSE_BOUNDARY_NOT_FOUND
        state.defect(kind, f"{label(item.path)}: {problem}")
    if not ranges:
        return None
    default = "message/rfc822" if entity.content_type == "multipart/digest" else "text/plain"
    return [_Pending(entity.buffer, start, end, child_path(item.path, index), item.depth + 1, default)
            for index, (start, end) in enumerate(ranges, 1)]


def _boundary(message: email.message.Message, item: _Pending) -> bytes | None:
    boundary = message.get_boundary()
    if not boundary:
        return None
    encoded = boundary.encode("utf-8", "replace")
    if not boundary.isascii() and item.buffer.find(encoded, item.start, item.end) < 0:
        encoded = boundary.encode("cp1252", "replace")  # the header was not UTF-8
    return encoded


def split_multipart(
    buffer: bytes, start: int, end: int, boundary: bytes, max_parts: int
) -> tuple[list[tuple[int, int]], str | None]:
    """Byte ranges of the parts between delimiter lines; the line break before a delimiter
    belongs to the delimiter (RFC 2046). Stops after `max_parts` ranges."""
    ranges: list[tuple[int, int]] = []
    part_start: int | None = None
    closed = False
    for line_start, closing, next_line in _delimiters(buffer, start, end, boundary):
        if part_start is not None:
            ranges.append((part_start, _before_line_break(buffer, line_start, part_start)))
            if len(ranges) >= max_parts:
                return ranges, None
        if closing:
            closed = True
            break
        part_start = next_line
    if part_start is None:
        return [], "start boundary not found, body read as text"
    if not closed:
        ranges.append((part_start, end))
        return ranges, "close boundary not found"
    return ranges, None


def _delimiters(buffer: bytes, start: int, end: int, boundary: bytes) -> Iterator[tuple[int, bool, int]]:
    """(line start, is the close delimiter, start of the next line) for each delimiter line: as the
    feedparser, "--boundary", optional "--", optional blanks, end of line. bytes.find, not a
    regex per boundary: compiling one costs more than parsing a small message."""
    needle = b"\n--" + boundary  # found at line starts only, so noise mid-line costs nothing
    line = start if buffer.startswith(needle[1:], start, end) else _next_line(buffer, needle, start, end)
    while line >= 0:
        after = line + len(needle) - 1
        closing = buffer.startswith(b"--", after, end)
        line_end = buffer.find(b"\n", after, end)
        line_end = end if line_end < 0 else line_end
        rest = buffer[after + 2 if closing else after:line_end].removesuffix(b"\r")
        if not rest.strip(b" \t"):
            yield line, closing, min(line_end + 1, end)
        line = _next_line(buffer, needle, line, end)


def _next_line(buffer: bytes, needle: bytes, position: int, end: int) -> int:
    found = buffer.find(needle, position, end)
    return found + 1 if found >= 0 else -1


def _before_line_break(buffer: bytes, line_start: int, floor: int) -> int:
    end = line_start
    if end > floor and buffer[end - 1] == 0x0A:
        end -= 1
        if end > floor and buffer[end - 1] == 0x0D:
            end -= 1
    return end


def _encapsulated(item: _Pending, entity: Entity, state: ParseState) -> _Pending | None:
    """The message inside a message/rfc822 part, walked as nested parts within the depth bound."""
    if item.depth >= state.limits.max_depth:
        state.cut(DefectKind.STRUCTURE_CUT, f"MIME depth limit {state.limits.max_depth} reached at {label(item.path)}: "
                  "attached message not parsed")
        return None
    buffer, start, end = entity.buffer, entity.body_start, entity.body_end
    if entity.transfer_encoding in ("base64", "quoted-printable"):
        allowance = state.decode_allowance()
        buffer, problem, truncated = decode_transfer(entity.body(), entity.transfer_encoding, allowance)
        state.decoded_bytes += len(buffer)
        if problem:
            state.defect(DefectKind.TRANSFER_ENCODING, f"{label(item.path)}: {problem}")
        if truncated:
            state.cut(DefectKind.CONTENT_CUT,
                      f"{label(item.path)}: attached message larger than the decoding bound, truncated")
        start, end = 0, len(buffer)
    if start >= end:
        state.defect(DefectKind.EMPTY_ATTACHED_MESSAGE, f"{label(item.path)}: empty attached message")
        return None
    return _Pending(buffer, start, end, item.path, item.depth + 1, message_root=True)
