"""Removing attachments from a raw message ("Delete attachment"): the named parts go, one text/plain
notice part (UTF-8) says what went and why, and every other byte stays as it was, so the remaining
parts keep their encodings, charsets and boundaries.

Part paths are the parser's (`mailgate.message.mime`): "2" is the second part of the top-level
multipart, "2.1" the first part inside it or inside the message attached as part 2, "1" the body of a
single-part message. A multipart left empty goes with its last part; a message left with nothing
becomes the notice. The notice is appended to a top-level multipart/mixed; any other top level is
wrapped in a new multipart/mixed beside the notice.

`remove_parts` never raises anything but CannotRemoveParts, raised when the removal cannot be done
exactly: a path that is not a part of this message, or a part inside an attached message that is
itself base64- or quoted-printable-encoded (its bytes are not the message's bytes). The caller then
keeps the message whole and places it in Backup.
"""

from __future__ import annotations

import binascii
import email.message
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from mailgate.delivery.header_edit import field_name, split_header_block
from mailgate.message.headers import clean
from mailgate.message.headers import split_header_block as split_entity
from mailgate.message.limits import ParseLimits
from mailgate.message.mime import child_path, split_multipart

_LIMITS = ParseLimits(max_parts=100_000)
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_TYPE_TOKEN = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_CONTENT_FIELDS = frozenset({"content-type", "content-transfer-encoding", "content-disposition",
                             "content-description", "content-id", "content-md5", "content-language",
                             "content-location"})
MAX_NODES = 10_000


class CannotRemoveParts(Exception):
    """The parts cannot be removed exactly: keep the original message (Backup) instead."""


@dataclass(eq=False)
class _Node:
    path: str
    start: int
    end: int
    body_start: int
    content_type: str
    boundary: bytes | None = None
    encoded_message: bool = False  # message/rfc822 whose inner bytes are transfer-encoded
    children: list[_Node] = field(default_factory=list)
    cuts: list[tuple[int, int]] = field(default_factory=list)  # multipart: each child's bytes with its delimiter
    close: int | None = None  # multipart: where its close delimiter line starts (None: unclosed)
    parent: _Node | None = None
    removed: bool = False


def removal_notice(removed: Iterable[tuple[str, str]]) -> str:
    """The notice text for (file name, reason) pairs."""
    lines = ["The mail gateway removed the following attachments from this message:", ""]
    lines += [f"- {name}: {reason}" for name, reason in removed]
    return "\n".join(lines) + "\n"


def remove_parts(raw: bytes, part_paths: set[str], notice: str) -> bytes:
    """`raw` without the parts at `part_paths`, with `notice` as one added text/plain part."""
    if not part_paths:
        raise CannotRemoveParts("no part to remove")
    try:
        return _remove(raw, part_paths, notice)
    except CannotRemoveParts:
        raise
    except Exception as exc:  # malformed input reaching a corner of the code: never lose the message
        raise CannotRemoveParts(f"unexpected structure: {type(exc).__name__}: {exc}"[:300]) from exc


def _remove(raw: bytes, part_paths: set[str], notice: str) -> bytes:
    root, addresses = _tree(raw)
    for path in sorted(part_paths):
        node = addresses.get(path)
        if node is None:
            inside = next((n for p, n in addresses.items() if n.encoded_message and path.startswith(p + ".")), None)
            if inside is not None:
                raise CannotRemoveParts(f"part {path} is inside an encoded attached message (part {inside.path})")
            raise CannotRemoveParts(f"the message has no part {path}")
        node.removed = True
    _propagate(root)
    newline = b"\r\n" if b"\r\n" in raw[:65536] else b"\n"
    if root.removed:
        return _replace_body(raw, notice, newline)
    edits = [cut for node in _walk(root) if node.parent is not None and node.removed and not node.parent.removed
             for cut in [node.parent.cuts[node.parent.children.index(node)]]]
    mixed = root.content_type == "multipart/mixed" and root.boundary is not None
    inserts: list[tuple[int, bytes]] = []
    if mixed:
        assert root.boundary is not None
        part = _notice_part(notice, root.boundary, newline)
        if root.close is not None:
            inserts.append((root.close, b"--" + root.boundary + newline + part + newline))
        else:
            inserts.append((root.end, newline + b"--" + root.boundary + newline + part + newline
                            + b"--" + root.boundary + b"--" + newline))
    edited = _apply(raw, edits, inserts)
    return edited if mixed else _wrap(edited, notice, newline)


def _tree(raw: bytes) -> tuple[_Node, dict[str, _Node]]:
    """The MIME tree with byte positions, numbered exactly as the parser numbers parts."""
    addresses: dict[str, _Node] = {}
    root = _entity(raw, 0, len(raw), "", "text/plain")
    stack: list[tuple[_Node, bool]] = [(root, True)]
    count = 0
    while stack:
        node, message_root = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise CannotRemoveParts(f"more than {MAX_NODES} parts")
        if node.content_type.startswith("multipart/") and _split(raw, node):
            addresses.setdefault(node.path, node)
            stack.extend((child, False) for child in reversed(node.children))
            continue
        if node.content_type in _MESSAGE_TYPES:
            addresses.setdefault(node.path, node)
            if node.encoded_message or node.body_start >= node.end:
                continue
            inner = _entity(raw, node.body_start, node.end, node.path, "text/plain")
            inner.parent = node
            node.children.append(inner)
            stack.append((inner, True))
            continue
        if message_root:
            node.path = child_path(node.path, 1)
        addresses.setdefault(node.path, node)
    return root, addresses


def _entity(raw: bytes, start: int, end: int, path: str, default_type: str) -> _Node:
    block = split_entity(raw, start, end, _LIMITS)
    message = email.message.Message()
    message.set_default_type(default_type)
    seen: set[str] = set()
    for name, value in block.fields:
        lowered = name.lower()
        if lowered in ("content-type", "content-transfer-encoding") and lowered not in seen:
            seen.add(lowered)
            message[name] = clean(value)
    declared = _TYPE_TOKEN.match(message.get_content_type())
    content_type = declared.group() if declared else default_type
    boundary = message.get_boundary() if content_type.startswith("multipart/") else None
    encoding = str(message.get("content-transfer-encoding", "")).strip().lower()
    return _Node(path, start, end, max(block.body_start, start), content_type,
                 boundary.encode("utf-8", "surrogateescape") if boundary else None,
                 encoded_message=content_type in _MESSAGE_TYPES and encoding in ("base64", "quoted-printable"))


def _split(raw: bytes, node: _Node) -> bool:
    """Fill a multipart's children and their cut ranges; False when it has no usable parts (the
    parser then reads it as text)."""
    if node.boundary is None:
        return False
    ranges, _ = split_multipart(raw, node.body_start, node.end, node.boundary, _LIMITS.max_parts)
    if not ranges:
        return False
    delimiter = b"--" + node.boundary
    starts = [raw.rfind(delimiter, node.body_start, start) for start, _ in ranges]
    last_end = ranges[-1][1]
    after_last = last_end + (2 if raw.startswith(b"\r\n", last_end) else 1 if raw.startswith(b"\n", last_end) else 0)
    node.close = after_last if raw.startswith(delimiter + b"--", after_last) else None
    ends = [*starts[1:], node.close if node.close is not None else node.end]
    for index, ((start, end), cut_start, cut_end) in enumerate(zip(ranges, starts, ends, strict=True), 1):
        if cut_start < 0:
            raise CannotRemoveParts(f"no delimiter found before part {child_path(node.path, index)}")
        child = _entity(raw, start, end, child_path(node.path, index), "text/plain")
        child.parent = node
        node.children.append(child)
        node.cuts.append((cut_start, cut_end))
    if node.content_type == "multipart/digest":
        for child in node.children:
            if not any(name.lower() == "content-type" for name, _ in split_entity(raw, child.start, child.end,
                                                                                  _LIMITS).fields):
                child.content_type = "message/rfc822"
    return True


def _walk(root: _Node) -> list[_Node]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found


def _propagate(root: _Node) -> None:
    """A container whose every child is removed goes too (an empty multipart is not MIME)."""
    for node in reversed(_walk(root)):  # children before their parents
        if node.children and all(child.removed for child in node.children):
            node.removed = True


def _apply(raw: bytes, cuts: list[tuple[int, int]], inserts: list[tuple[int, bytes]]) -> bytes:
    edits = sorted([(start, end, b"") for start, end in cuts] + [(at, at, data) for at, data in inserts])
    out = bytearray()
    position = 0
    for start, end, data in edits:
        if start < position:
            raise CannotRemoveParts("overlapping parts")
        out += raw[position:start] + data
        position = end
    out += raw[position:]
    return bytes(out)


def _notice_part(notice: str, boundary: bytes, newline: bytes, *, inline: bool = True) -> bytes:
    """Header fields, blank line and body of the notice, without a final line break."""
    text = notice.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    body = binascii.b2a_qp(text, quotetabs=False, istext=True, header=False).replace(b"\n", newline)
    encoding = b"quoted-printable"
    if b"--" + boundary in body:  # a notice line must never read as a delimiter
        encoding = b"base64"
        encoded = binascii.b2a_base64(text, newline=False)
        body = newline.join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    fields = [b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: " + encoding]
    if inline:
        fields.append(b"Content-Disposition: inline")
    return newline.join([*fields, b"", body.rstrip(b"\r\n")])


def _replace_body(raw: bytes, notice: str, newline: bytes) -> bytes:
    """Everything was removed: the message keeps its header fields (Content-* replaced) and the
    notice becomes its body."""
    block = split_header_block(raw)
    kept = [f for f in block.fields if field_name(f) not in _CONTENT_FIELDS and field_name(f) != "mime-version"]
    part = _notice_part(notice, b"\x00", newline, inline=False)  # no boundary to stay clear of
    return b"".join(kept) + b"MIME-Version: 1.0" + newline + part + newline


def _wrap(edited: bytes, notice: str, newline: bytes) -> bytes:
    """A top level that is not multipart/mixed moves, with its Content-* fields, into the first part
    of a new multipart/mixed whose second part is the notice."""
    block = split_header_block(edited)
    content = [f for f in block.fields if field_name(f) in _CONTENT_FIELDS]
    kept = [f for f in block.fields if field_name(f) not in _CONTENT_FIELDS]
    boundary = _new_boundary(edited)
    if not any(field_name(f) == "mime-version" for f in kept):
        kept.append(b"MIME-Version: 1.0" + newline)
    kept.append(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"' + newline)
    body = block.body
    if body.startswith(newline):
        body = body[len(newline):]
    elif body.startswith(b"\n"):
        body = body[1:]
    delimiter = b"--" + boundary
    return (b"".join(kept) + newline + delimiter + newline + b"".join(content) + newline + body.rstrip(b"\r\n")
            + newline + delimiter + newline + _notice_part(notice, boundary, newline) + newline
            + delimiter + b"--" + newline)


def _new_boundary(data: bytes) -> bytes:
    while True:
        boundary = b"mailgate-notice-" + secrets.token_hex(12).encode()
        if boundary not in data:
            return boundary
