"""Insert text at the top or bottom of the parts a reader sees as the body: the warning about an insecure
message, and disclaimers.

Only those parts change: each is decoded (transfer encoding, then charset), edited, and encoded again
with the same transfer encoding, in the same charset when the new text fits in it (else the part becomes
UTF-8 and says so). Boundaries, attachments and every other byte stay as they were. Attachments,
parts of attached messages and signed or encrypted bodies (an edit would break them) are never touched.

Everything raises only CannotModifyBody, whose message says why; the caller delivers the message
unmodified and records the reason.
"""

from __future__ import annotations

import binascii
import codecs
import email.message
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import AnyStr, Literal

from mailgate.delivery.header_edit import field_name, split_header_block
from mailgate.delivery.part_removal import CannotRemoveParts, _Node, _tree
from mailgate.message.headers import clean
from mailgate.message.headers import split_header_block as split_entity
from mailgate.message.limits import ParseLimits

Position = Literal["top", "bottom"]
MAX_PART_BYTES = 8 * 1024 * 1024  # a body part larger than this is left as it is (bounded work)
_LIMITS = ParseLimits(max_parts=100_000)
_ANCHORS = (r"<body\b[^>]*>", r"<html\b[^>]*>", r"</body\s*>", r"</html\s*>")  # where HTML additions go
_TEXT_ANCHORS = tuple(re.compile(p, re.IGNORECASE) for p in _ANCHORS)
_BYTE_ANCHORS = tuple(re.compile(p.encode(), re.IGNORECASE) for p in _ANCHORS)
_TAG = re.compile(r"<[^>]*>")
_QUOTE_MARKS = re.compile(r"(?m)^[ \t>]+")
_UNTOUCHABLE = ("multipart/signed", "multipart/encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime")
_WIDE_CHARSETS = ("utf-16", "utf-32")  # codecs.lookup names: ASCII text cannot go in byte for byte
MAX_LINE_BYTES = 998  # SMTP's line limit: an unencoded part with longer lines goes quoted-printable


class CannotModifyBody(Exception):
    """The body cannot be changed safely; the message is delivered as it is."""


@dataclass(frozen=True)
class Insertion:
    text: str  # for text/plain parts
    html: str  # administrator-written HTML for text/html parts, inserted as is
    position: Position


@dataclass(frozen=True)
class _BodyPart:
    node: _Node
    subtype: str  # "plain" or "html"
    charset: str
    encoding: str  # the transfer encoding, lower case
    content_type: str  # the raw Content-Type value (for a charset change)


def html_from_text(text: str) -> str:
    """The HTML form of a plain warning or disclaimer: escaped, line breaks kept."""
    lines = "<br>".join(html.escape(line) for line in text.splitlines())
    return f'<div style="border:1px solid #c00;padding:6px;margin:0 0 8px 0">{lines}</div>'


def insert(raw: bytes, insertion: Insertion) -> bytes:
    """`raw` with the insertion in every body part; CannotModifyBody when there is no body part to change."""
    try:
        parts = body_parts(raw)
        if not parts:
            raise CannotModifyBody("the message has no text body to add to")
        edits = [(p.node.start, p.node.end, _edited_part(raw, p, insertion)) for p in parts]
    except CannotModifyBody:
        raise
    except CannotRemoveParts as exc:
        raise CannotModifyBody(str(exc)) from exc
    except Exception as exc:  # malformed input reaching a corner of the code: deliver unmodified
        raise CannotModifyBody(f"unexpected structure: {type(exc).__name__}: {exc}"[:300]) from exc
    out = bytearray()
    position = 0
    for start, end, data in sorted(edits):
        out += raw[position:start] + data
        position = end
    return bytes(out + raw[position:])


def body_text(raw: bytes) -> str:
    """The decoded text of the body parts (HTML without its tags), for "is it already there" checks."""
    try:
        texts = []
        for part in body_parts(raw):
            decoded = _decode(raw, part)
            if decoded is None:
                continue
            texts.append(text_of_html(decoded) if part.subtype == "html" else decoded)
        return "\n".join(texts)
    except Exception:  # a check that cannot read the body finds nothing there
        return ""


def text_of_html(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup))


def normalised(text: str) -> str:
    """Case, whitespace and reply quoting ("> ") do not matter when looking for a disclaimer."""
    return " ".join(_QUOTE_MARKS.sub(" ", text).split()).casefold()


def body_parts(raw: bytes) -> list[_BodyPart]:
    root, _addresses = _tree(raw)
    found: list[_BodyPart] = []
    _collect(raw, root, found)
    return found


def _collect(raw: bytes, node: _Node, found: list[_BodyPart]) -> None:
    kind = node.content_type
    if kind in _UNTOUCHABLE:
        return
    if kind.startswith("multipart/"):
        if not node.children:
            return
        if kind == "multipart/alternative":
            for child in node.children:
                _collect(raw, child, found)
        else:  # mixed, related, report…: the first part is the body, the rest are attachments or resources
            _collect(raw, node.children[0], found)
        return
    if kind not in ("text/plain", "text/html"):
        return
    header = _part_header(raw, node)
    disposition = str(header.get("content-disposition", "")).split(";", 1)[0].strip().lower()
    if disposition == "attachment" or header.get_filename() or header.get_param("name"):
        return
    charset = str(header.get_content_charset() or "us-ascii")
    encoding = str(header.get("content-transfer-encoding", "7bit")).strip().lower() or "7bit"
    found.append(_BodyPart(node, kind.split("/", 1)[1], charset, encoding, str(header.get("content-type", ""))))


def _part_header(raw: bytes, node: _Node) -> email.message.Message:
    block = split_entity(raw, node.start, node.end, _LIMITS)
    header = email.message.Message()
    for name, value in block.fields:
        if name.lower() in ("content-type", "content-transfer-encoding", "content-disposition") \
                and name not in header:  # the first of each counts, as for the parser
            header[name] = clean(value)
    return header


def _newline(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data[:65536] else b"\n"


def _codec(charset: str) -> str | None:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _transfer_decoded(raw: bytes, part: _BodyPart) -> bytes:
    content = raw[part.node.body_start:part.node.end]
    if len(content) > MAX_PART_BYTES:
        raise CannotModifyBody(f"a body part is larger than {MAX_PART_BYTES // (1024 * 1024)} MB")
    if part.encoding == "base64":
        try:
            return binascii.a2b_base64(b"".join(content.split()))
        except (binascii.Error, ValueError) as exc:
            raise CannotModifyBody(f"a body part's base64 is malformed: {exc}") from exc
    if part.encoding == "quoted-printable":
        return binascii.a2b_qp(content)
    if part.encoding not in ("7bit", "8bit", "binary"):
        raise CannotModifyBody(f"unknown transfer encoding {part.encoding!r}")
    return content


def _decode(raw: bytes, part: _BodyPart) -> str | None:
    codec = _codec(part.charset)
    if codec is None:
        return None
    try:
        return _transfer_decoded(raw, part).decode(codec)
    except UnicodeDecodeError:
        return None


def _edited_part(raw: bytes, part: _BodyPart, insertion: Insertion) -> bytes:
    node = part.node
    if not _ends_with_blank_line(raw[node.start:node.body_start]):
        # Readers disagree on where such a body starts: text put there may land among the header fields.
        raise CannotModifyBody("a body part's header block does not end with a blank line")
    newline = _newline(raw[node.start:node.end] or raw)
    content = raw[node.body_start:node.end]
    decoded = _transfer_decoded(raw, part)
    inner_newline = "\r\n" if b"\r\n" in decoded[:65536] else "\n"
    codec = _codec(part.charset)
    addition = insertion.html if part.subtype == "html" else insertion.text
    charset = part.charset
    try:
        if codec is None or codec.startswith(_WIDE_CHARSETS):
            raise UnicodeError("not an ASCII-compatible charset we know")
        text = decoded.decode(codec)
        edited = _place(text, addition, insertion.position, part.subtype == "html", inner_newline)
        try:
            new = edited.encode(codec)
        except UnicodeEncodeError:
            new, charset = edited.encode("utf-8"), "utf-8"
    except UnicodeError as exc:
        # The declared charset is wrong or unknown: ASCII text can still go in byte for byte.
        if not addition.isascii() or (codec is not None and codec.startswith(_WIDE_CHARSETS)):
            raise CannotModifyBody(f"a body part's charset {part.charset!r} cannot be read: {exc}") from exc
        new = _place(decoded, addition.encode("ascii"), insertion.position, part.subtype == "html",
                     inner_newline.encode())
    encoding = part.encoding
    if (encoding == "7bit" and not new.isascii()) or (encoding in ("7bit", "8bit") and _has_long_line(new)):
        encoding = "quoted-printable"
    body = _transfer_encoded(new, encoding, newline)
    if content.endswith((b"\n",)) and not body.endswith(b"\n"):
        body += newline
    elif not content.endswith(b"\n"):
        body = body.rstrip(b"\r\n")
    header = raw[node.start:node.body_start]
    if charset != part.charset or encoding != part.encoding:
        header = _changed_header(header, charset if charset != part.charset else None,
                                 encoding if encoding != part.encoding else None, part.content_type, newline)
    return header + body


def _ends_with_blank_line(header: bytes) -> bool:
    return header in (b"\n", b"\r\n") or header.endswith((b"\n\n", b"\n\r\n"))


def _has_long_line(data: bytes) -> bool:
    return len(data) > MAX_LINE_BYTES and any(len(line.rstrip(b"\r")) > MAX_LINE_BYTES for line in data.split(b"\n"))


def _place(text: AnyStr, addition: AnyStr, position: Position, is_html: bool, newline: AnyStr) -> AnyStr:
    """Text (decoded, or raw bytes when the charset is unknown) with the addition at the top or bottom."""
    anchors = _TEXT_ANCHORS if isinstance(text, str) else _BYTE_ANCHORS
    body_open, html_open, body_close, html_close = anchors
    addition = _with_newlines(addition, newline)
    if is_html:
        if position == "top":
            anchor = body_open.search(text) or html_open.search(text)
            at = anchor.end() if anchor else 0
        else:
            closes = list(body_close.finditer(text)) or list(html_close.finditer(text))
            at = closes[-1].start() if closes else len(text)
        return text[:at] + addition + text[at:]
    if position == "top":
        return addition + newline + newline + text
    separator = text[:0] if not text or text.endswith(newline) else newline
    return text + separator + newline + addition + newline


def _with_newlines(text: AnyStr, newline: AnyStr) -> AnyStr:
    """The addition's line breaks as the part writes them."""
    return newline.join(text.splitlines())


def _transfer_encoded(data: bytes, encoding: str, newline: bytes) -> bytes:
    if encoding == "base64":
        encoded = binascii.b2a_base64(data, newline=False)
        return newline.join(encoded[i:i + 76] for i in range(0, len(encoded), 76)) + newline
    if encoding == "quoted-printable":
        lines = data.replace(b"\r\n", b"\n").split(b"\n")
        encoded = b"\n".join(binascii.b2a_qp(line, quotetabs=False, istext=False, header=False) for line in lines)
        return encoded.replace(b"\n", newline)
    return data  # 7bit, 8bit, binary: the bytes as they are


def _changed_header(header: bytes, charset: str | None, encoding: str | None, content_type: str,
                    newline: bytes) -> bytes:
    """The part's header block with a new charset parameter and/or transfer encoding."""
    block = split_header_block(header)
    fields = list(block.fields)
    replacements: dict[str, Callable[[], bytes]] = {}
    if charset is not None:
        holder = email.message.Message()
        holder["Content-Type"] = content_type or "text/plain"
        holder.set_param("charset", charset)
        replacements["content-type"] = lambda: f"Content-Type: {holder['Content-Type']}".encode() + newline
    if encoding is not None:
        replacements["content-transfer-encoding"] = lambda: f"Content-Transfer-Encoding: {encoding}".encode() + newline
    out: list[bytes] = []
    for field in fields:
        name = field_name(field)
        if name in replacements:
            out.append(replacements.pop(name)())
        else:
            out.append(field)
    out.extend(make() for make in replacements.values())  # the field was missing (a top-level default)
    return b"".join(out) + block.body
