"""A leaf part that is not body text becomes an Attachment: real type, hashes, archive view."""

from __future__ import annotations

import hashlib

from mailgate.message import filetype
from mailgate.message.archives import inspect_archive
from mailgate.message.defects import DefectKind
from mailgate.message.mime import Entity
from mailgate.message.model import ArchiveMember, Attachment
from mailgate.message.state import ParseState


def build_attachment(
    entity: Entity, content: bytes, truncated: bool, problems: list[str], state: ParseState
) -> Attachment:
    detected = filetype.detect(content, state)
    kind = filetype.archive_kind(detected)
    encrypted = filetype.is_encrypted(content, detected)
    defects = list(problems)
    kinds = {DefectKind.TRANSFER_ENCODING} if problems else set()
    members: tuple[ArchiveMember, ...] = ()
    bomb = False
    if kind is not None:
        report = inspect_archive(content, kind, entity.filename, state)
        members = tuple(report.members)
        encrypted = encrypted or report.encrypted
        bomb = bool(report.bomb_reasons)
        defects += [f"archive bomb: {reason}" for reason in report.bomb_reasons]
        defects += report.defects
        kinds |= report.kinds | ({DefectKind.ARCHIVE_BOMB} if bomb else set())
        detected = report.container_type or detected
    disposition = entity.disposition
    has_content_id = any(name.lower() == "content-id" for name, _ in entity.fields)
    return Attachment(
        part_path=entity.path,
        filename=entity.filename,
        declared_type=entity.content_type,
        detected_type=detected,
        extension_type=filetype.extension_type(entity.filename),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        disposition=disposition,
        is_inline=disposition == "inline" or (disposition is None and has_content_id),
        encrypted=encrypted,
        archive_kind=kind,
        archive_members=members,
        archive_bomb=bomb,
        truncated=truncated,
        defects=tuple(defects),
        defect_kinds=frozenset(kinds),
        content=content,
    )


def is_html_attachment(attachment: Attachment) -> bool:
    """HTML files sent as attachments: a favourite phishing carrier, so their links count."""
    return "text/html" in (attachment.declared_type, attachment.detected_type, attachment.extension_type)
