"""Every file a message carries, flattened for matching: each attachment (attached messages' ones
included: the parser walks them), each member of its archives at every level opened, and each file
inside a compound object (an Outlook message's attachments, a document's embedded packages).

A member is removed with the attachment that holds it, so every file keeps its attachment's part path.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailgate.message import DEFAULT_LIMITS, filetype
from mailgate.message.model import Attachment, Message
from mailgate.message.state import ParseState
from mailgate.scanners.content_filter.categories import categories_of
from mailgate.scanners.content_filter.compound import NOTHING, OLE_TYPES, inspect_compound
from mailgate.scanners.content_filter.names import base_name, extension, name_forms

_VBA_PROJECT = "vbaproject.bin"


@dataclass(frozen=True)
class FileView:
    part_path: str  # the attachment to remove for this file
    filename: str  # what to show: the attachment's name, or "<attachment>/<member path>"
    names: tuple[str, ...]  # the forms its name is matched in (names.name_forms); empty when unnamed
    types: tuple[str, ...]  # true MIME type(s) from the bytes
    categories: frozenset[str]
    size: int | None  # bytes (an archive member's declared size; None when unknown)
    key: tuple[str, str]  # (part path, member path or ""): one file, for "all" expressions


def message_files(message: Message) -> tuple[tuple[FileView, ...], tuple[str, ...]]:
    """(every file, problems met looking inside compound files)."""
    files: list[FileView] = []
    problems: list[str] = []
    for attachment in message.attachments:
        files += _attachment_files(attachment, problems)
    return tuple(files), tuple(problems)


def _attachment_files(attachment: Attachment, problems: list[str]) -> list[FileView]:
    shown = attachment.filename or f"(unnamed {attachment.declared_type} part {attachment.part_path})"
    name = attachment.filename or ""
    detected = attachment.detected_type
    compound = inspect_compound(attachment.content) if detected in OLE_TYPES else NOTHING
    if compound.error:
        problems.append(f"{shown}: {compound.error}")
    if detected is None and attachment.content[-512:].startswith(b"koly"):
        detected = "application/x-apple-diskimage"  # a DMG's signature is in its trailer
    files = [FileView(
        attachment.part_path, shown, name_forms(name) if name else (), (detected,) if detected else (),
        categories_of(detected, extension(name) if name else "", attachment.content[:filetype.HEAD_BYTES],
                      encrypted=attachment.encrypted, macros=compound.macros),
        attachment.size, (attachment.part_path, ""))]
    with_macros = _macro_containers(attachment)
    for member in attachment.archive_members:
        base = base_name(member.name)
        files.append(FileView(
            attachment.part_path, f"{shown}/{member.name}", name_forms(base) if base else (),
            (member.detected_type,) if member.detected_type else (),
            categories_of(member.detected_type, extension(base) if base else "", b"",
                          encrypted=member.encrypted, macros=member.name in with_macros),
            member.size, (attachment.part_path, member.name)))
    state = ParseState(DEFAULT_LIMITS)
    for index, inner in enumerate(compound.embedded):
        inner_type = filetype.detect(inner.head, state) if inner.head else None
        files.append(FileView(
            attachment.part_path, f"{shown}/{inner.name}", name_forms(inner.name) if inner.name else (),
            (inner_type,) if inner_type else (),
            categories_of(inner_type, extension(inner.name) if inner.name else "", inner.head,
                          encrypted=False, macros=False),
            inner.size, (attachment.part_path, f"#{index}:{inner.name}")))
    return files


def _macro_containers(attachment: Attachment) -> set[str]:
    """Members that are Office documents with a VBA project: "a.docm" when "a.docm/word/vbaProject.bin"
    is listed (the top-level document's own macros are in its detected type)."""
    containers: set[str] = set()
    for member in attachment.archive_members:
        if member.name.lower().endswith(_VBA_PROJECT):
            parts = member.name.split("/")
            containers.update("/".join(parts[:cut]) for cut in range(1, len(parts) - 1))
    return containers
