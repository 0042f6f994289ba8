"""The parsed message every scanner reads: immutable, built once by `parse_message`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailgate.message.defects import HIDES_CONTENT, DefectKind

FACTS_MAX_ADDRESSES = 50
FACTS_MAX_ATTACHMENTS = 50
FACTS_MAX_MEMBERS = 20
FACTS_MAX_URLS = 100
FACTS_MAX_DEFECTS = 50
FACTS_MAX_TEXT = 500


@dataclass(frozen=True)
class ArchiveMember:
    """A file inside an archive attachment, as listed, never extracted to disk.

    `name` is the path from the attachment down: "inner.zip/file.exe" is file.exe inside
    inner.zip inside the attachment; `depth` 1 is a direct member.
    """

    name: str
    size: int | None  # uncompressed, as declared (None when a stream could not be sized)
    compressed_size: int | None
    encrypted: bool
    detected_type: str | None
    depth: int
    archive_kind: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A leaf part that is not body text. `content` holds the decoded bytes (truncated when a
    bound cut them, see `truncated`) for content scanners; it stays out of repr and equality."""

    part_path: str
    filename: str | None
    declared_type: str
    detected_type: str | None  # from the bytes, not the name
    extension_type: str | None  # from the name
    size: int
    sha256: str
    md5: str
    disposition: str | None
    is_inline: bool
    encrypted: bool
    archive_kind: str | None = None
    archive_members: tuple[ArchiveMember, ...] = ()
    archive_bomb: bool = False  # expansion ratio or declared size of a decompression bomb
    truncated: bool = False
    defects: tuple[str, ...] = ()
    defect_kinds: frozenset[DefectKind] = frozenset()  # what `defects` describe, as data
    content: bytes = field(default=b"", repr=False, compare=False)

    def summary(self) -> dict[str, Any]:
        members = self.archive_members
        return {
            "part_path": self.part_path,
            "filename": self.filename,
            "declared_type": self.declared_type,
            "detected_type": self.detected_type,
            "extension_type": self.extension_type,
            "size": self.size,
            "sha256": self.sha256,
            "disposition": self.disposition,
            "encrypted": self.encrypted,
            "archive_kind": self.archive_kind,
            "archive_bomb": self.archive_bomb,
            "truncated": self.truncated,
            "members": {
                "count": len(members),
                "encrypted": sum(1 for m in members if m.encrypted),
                "max_depth": max((m.depth for m in members), default=0),
                "sample": [{"name": m.name[:FACTS_MAX_TEXT], "size": m.size,
                            "detected_type": m.detected_type, "encrypted": m.encrypted}
                           for m in members[:FACTS_MAX_MEMBERS]],
            } if members or self.archive_kind else None,
            "defects": list(self.defects[:FACTS_MAX_DEFECTS]),
            "defect_kinds": [str(kind) for kind in sorted(self.defect_kinds)],
        }


@dataclass(frozen=True)
class Url:
    """A URL found in the message. `host` is the Unicode form, `host_ascii` the IDNA (punycode)
    form a browser resolves; both are lowercased, None when the URL has no usable host."""

    url: str
    host: str | None
    host_ascii: str | None
    source: str  # "text", "html-text", "html-href", "html-src", "html-form", "html-refresh"
    anchor_text: str | None  # visible text of the <a> for "html-href", else None
    part_path: str


@dataclass(frozen=True)
class Message:
    """One message, parsed once under hard bounds. Malformed input still yields a Message;
    what was wrong or cut is in `defects`, and `incomplete` says a bound stopped inspection."""

    raw: bytes = field(repr=False)  # the original, untouched
    headers: tuple[tuple[str, str], ...]  # top-level fields in order: RFC 2047-decoded, unfolded
    subject: str
    message_id: str | None
    date: str | None
    from_addresses: tuple[tuple[str, str], ...]  # (display name, addr-spec) of the first From field
    reply_to: tuple[tuple[str, str], ...]
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    text_body: str  # text/plain body parts, attached messages' included, joined by newlines
    html_body: str  # text/html body parts, decoded (HTML attachments are attachments)
    html_text: str  # what a reader sees of html_body: no script, style or head
    attachments: tuple[Attachment, ...]
    urls: tuple[Url, ...]  # deduplicated per (url, source), document order
    parts_count: int  # MIME entities walked, containers included
    max_depth_seen: int  # 0: the top level; each multipart or message/rfc822 level adds one
    size: int
    defects: tuple[str, ...]  # malformations and every cut a bound made, readable (the first 200)
    incomplete: bool = False
    # Every defect counted by kind, the ones whose text was not kept included: what scanners decide on.
    defect_kinds: dict[DefectKind, int] = field(default_factory=dict, compare=False)

    def has_defect(self, *kinds: DefectKind) -> bool:
        return any(self.defect_kinds.get(kind) for kind in kinds)

    @property
    def content_hidden(self) -> bool:
        """A bound cut MIME structure or content: parts or bytes exist that no per-part view holds."""
        return self.has_defect(*HIDES_CONTENT)

    def header(self, name: str) -> str | None:
        """The first value of a header field, by case-insensitive name."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def header_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def facts(self) -> dict[str, Any]:
        """The JSON-safe summary the ScanReport carries; long lists are capped, counts are not."""
        return {
            "subject": self.subject[:FACTS_MAX_TEXT * 2],
            "message_id": self.message_id,
            "date": self.date,
            "from": _addresses(self.from_addresses),
            "to": _addresses(self.to),
            "cc": _addresses(self.cc),
            "reply_to": _addresses(self.reply_to),
            "size": self.size,
            "parts_count": self.parts_count,
            "depth": self.max_depth_seen,
            "attachments_count": len(self.attachments),
            "attachments": [a.summary() for a in self.attachments[:FACTS_MAX_ATTACHMENTS]],
            "urls_count": len(self.urls),
            "urls": [{"url": u.url[:FACTS_MAX_TEXT * 4], "host": u.host, "source": u.source,
                      "anchor_text": u.anchor_text[:FACTS_MAX_TEXT] if u.anchor_text else u.anchor_text}
                     for u in self.urls[:FACTS_MAX_URLS]],
            "defects": list(self.defects[:FACTS_MAX_DEFECTS]),
            "defect_kinds": {str(kind): count for kind, count in sorted(self.defect_kinds.items())},
            "incomplete": self.incomplete,
        }


def _addresses(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "address": address} for name, address in pairs[:FACTS_MAX_ADDRESSES]]
