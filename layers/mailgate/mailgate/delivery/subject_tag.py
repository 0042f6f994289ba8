"""Subject tags ("[Spam] Hello"): only the first Subject field's bytes change, and a tag the subject already
starts with (a reply to tagged mail) is not added again."""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.header import decode_header, make_header

from mailgate.delivery.header_edit import field_name, split_header_block

_FOLDING = email.policy.SMTP.clone(max_line_length=78)


def decoded_subject(field: bytes) -> str:
    value = field.split(b":", 1)[1].decode("utf-8", "surrogateescape") if b":" in field else ""
    unfolded = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    try:
        return str(make_header(decode_header(unfolded)))
    except (LookupError, UnicodeError, ValueError):  # a broken encoded word: keep the text as written
        return unfolded.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def tagged(subject: str, tags: Sequence[str]) -> str:
    missing = [tag for tag in tags if tag and not subject.casefold().lstrip().startswith(tag.casefold())
               and f" {tag.casefold()} " not in f" {subject.casefold()} "]
    return " ".join([*missing, subject]).strip() if missing else subject


def tag_subject(raw: bytes, tags: Sequence[str]) -> bytes:
    """`raw` with the tags before its subject (RFC 2047 for non-ASCII, folded); a missing Subject is added."""
    tags = [" ".join(t.split()) for t in tags if t.strip()]
    if not tags:
        return raw
    block = split_header_block(raw)
    index = next((i for i, f in enumerate(block.fields) if field_name(f) == "subject"), None)
    current = decoded_subject(block.fields[index]) if index is not None else ""
    subject = tagged(current, tags)
    if index is not None and subject == current:
        return raw
    header = _FOLDING.header_factory("Subject", " ".join(subject.split()))  # always refolded and RFC 2047-encoded
    folded = header.fold(policy=_FOLDING).encode("ascii").replace(b"\r\n", block.newline)
    fields = list(block.fields)
    if index is None:
        fields.append(folded)
    else:
        fields[index] = folded
    return b"".join(fields) + block.body
