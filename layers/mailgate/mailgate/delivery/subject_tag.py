"""Subject tags ("[Spam] Hello"): the tags go in front of the first Subject field's value and every byte
of that value stays as it was (its encoded words, folding, even raw 8-bit text in an unknown charset);
a tag the subject already carries (a reply to tagged mail) is not added again."""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.header import Header, decode_header, make_header

from mailgate.delivery.header_edit import field_name, split_header_block

_FOLDING = email.policy.SMTP.clone(max_line_length=78)
MAX_LINE = 78  # RFC 5322's recommended line length, which our prefix should not push a subject past


def decoded_subject(field: bytes) -> str:
    value = field.split(b":", 1)[1].decode("utf-8", "replace") if b":" in field else ""
    unfolded = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    try:
        return str(make_header(decode_header(unfolded)))
    except (LookupError, UnicodeError, ValueError):  # a broken encoded word: the text as written
        return unfolded


def missing_tags(subject: str, tags: Sequence[str]) -> list[str]:
    folded = f" {subject.casefold()} "
    return [tag for tag in tags if f" {tag.casefold()} " not in folded and not subject.casefold().startswith(
        tag.casefold())]


def _encoded(tags: str, before_encoded_word: bool) -> bytes:
    """ASCII as is; anything else one RFC 2047 word (UTF-8). Before an encoded word the separating space
    goes inside ours, since the space between two encoded words is not displayed."""
    if tags.isascii():
        return tags.encode("ascii") + b" "
    if before_encoded_word:
        return Header(tags + " ", "utf-8", maxlinelen=998).encode().encode("ascii") + b" "
    return Header(tags, "utf-8", maxlinelen=998).encode().encode("ascii") + b" "


def _folded(start: bytes, value: bytes, newline: bytes) -> bytes:
    """The field, with a line break in place of the space after our prefix when the first line would grow
    past 78 characters (unfolding gives the same value; between encoded words our space is inside ours)."""
    first_line = start + (value.splitlines() or [b""])[0]  # bytes.splitlines: CR, LF and CRLF alike
    if len(first_line) <= MAX_LINE or not start.endswith(b" ") or not value.strip():
        return start + value
    return start[:-1] + newline + b" " + value


def tag_subject(raw: bytes, tags: Sequence[str]) -> bytes:
    """`raw` with the tags before its subject; a missing Subject is added with the tags alone."""
    tags = [" ".join(t.split()) for t in tags if t.strip()]
    if not tags:
        return raw
    block = split_header_block(raw)
    fields = list(block.fields)
    index = next((i for i, f in enumerate(fields) if field_name(f) == "subject" and b":" in f), None)
    missing = missing_tags(decoded_subject(fields[index]) if index is not None else "", tags)
    if not missing:
        return raw
    if index is None:
        header = _FOLDING.header_factory("Subject", " ".join(missing))
        fields.append(header.fold(policy=_FOLDING).encode("ascii").replace(b"\r\n", block.newline))
    else:
        name, value = fields[index].split(b":", 1)
        value = value.lstrip(b" \t")
        if not value.strip():
            value = block.newline
            prefix = _encoded(" ".join(missing), False).rstrip(b" ")
        else:
            prefix = _encoded(" ".join(missing), value.startswith(b"=?"))
        fields[index] = _folded(name + b": " + prefix, value, block.newline)
    return b"".join(fields) + block.body
