"""Looking inside archive attachments in memory: listings, encryption, bombs, nesting.

Nothing is extracted to disk and nothing is inflated beyond `max_archive_inspect_bytes` per
message. Bombs are judged from what archives declare (ZIP central directory, gzip trailer) and
from the ratio seen while inflating a bounded prefix, never by expanding them.
"""

from __future__ import annotations

import io
import itertools
import tarfile
import zipfile
from dataclasses import dataclass, field

from mailgate.message import compressed, filetype
from mailgate.message.defects import DefectKind
from mailgate.message.model import ArchiveMember
from mailgate.message.state import ParseState

_NAME_MAX = 512
_OPENED = frozenset({"zip", "tar", "gzip", "bzip2", "xz"})


@dataclass
class ArchiveReport:
    members: list[ArchiveMember] = field(default_factory=list)
    encrypted: bool = False
    bomb_reasons: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    kinds: set[DefectKind] = field(default_factory=set)  # what `defects` describe
    container_type: str | None = None  # what a ZIP really is: .docx, .jar, .apk...

    def defect(self, kind: DefectKind, text: str) -> None:
        self.kinds.add(kind)
        self.defects.append(text)


def inspect_archive(data: bytes, kind: str, name: str | None, state: ParseState) -> ArchiveReport:
    report = ArchiveReport()
    try:
        _Inspector(state, report).archive(data, kind, "", 1, name)
    except Exception as exc:  # archive code on hostile bytes: keep what was listed
        report.defect(DefectKind.ARCHIVE_DAMAGED, f"{kind} inspection stopped: {type(exc).__name__}: {exc}"[:300])
    return report


class _Inspector:
    """One attachment's walk through its archive levels, sharing the message's budgets."""

    def __init__(self, state: ParseState, report: ArchiveReport) -> None:
        self.state = state
        self.limits = state.limits
        self.report = report
        self.full = False  # the member listing bound was reached
        self.exhausted = False  # the inspection budget was spent

    def archive(self, data: bytes, kind: str, prefix: str, depth: int, name: str | None) -> None:
        if kind == "zip":
            self.zip(data, prefix, depth)
        elif kind == "tar":
            self.tar(data, prefix, depth)
        elif kind in ("gzip", "bzip2", "xz"):
            self.stream(data, kind, prefix, depth, name)
        else:
            if kind in ("7z", "rar"):
                check = compressed.sevenzip_encrypted if kind == "7z" else compressed.rar_encrypted
                self.report.encrypted |= check(data)
            self.report.defect(DefectKind.ARCHIVE_NOT_LISTED, f"{kind} contents not listed{_at(prefix)}")

    def add(self, member: ArchiveMember) -> bool:
        """Record a member; False once the listing bound is reached (recorded once)."""
        self.report.encrypted |= member.encrypted
        if self.state.archive_members >= self.limits.max_archive_members:
            if not self.full:
                self.full = True
                self.state.cut(DefectKind.ARCHIVE_CUT,
                               f"archive member limit {self.limits.max_archive_members} reached: "
                               "further members not listed")
            return False
        self.state.archive_members += 1
        self.report.members.append(member)
        return True

    def charge(self, size: int) -> bool:
        """Reserve inflation budget for `size` bytes; False (recorded once) when exhausted."""
        if size > self.state.inspect_allowance():
            if not self.exhausted:
                self.exhausted = True
                self.state.cut(DefectKind.ARCHIVE_CUT,
                               f"archive inspection budget {self.limits.max_archive_inspect_bytes} bytes "
                               "reached: further members not examined")
            return False
        self.state.inspect_bytes += size
        return True

    def bomb(self, reason: str) -> None:
        self.report.bomb_reasons.append(reason)

    def member(
        self, path: str, head: bytes, depth: int, *, size: int | None, compressed_size: int | None,
        encrypted: bool = False,
    ) -> tuple[bool, str | None]:
        detected = filetype.detect(head, self.state) if head else None
        kind = filetype.archive_kind(detected)
        listed = self.add(ArchiveMember(path, size, compressed_size, encrypted, detected, depth, kind))
        return listed, kind

    def can_open(self, kind: str | None, path: str, depth: int, size: int | None) -> bool:
        if kind is None:
            return False
        if depth >= self.limits.max_archive_depth:
            self.state.cut(DefectKind.ARCHIVE_CUT,
                           f"archive nesting limit {self.limits.max_archive_depth} reached at {path}: "
                           "not opened")
            return False
        if size is None or size > self.limits.max_nested_archive_bytes:
            self.report.defect(DefectKind.ARCHIVE_NOT_LISTED, f"nested archive {path} larger than "
                                       f"{self.limits.max_nested_archive_bytes} bytes: not opened")
            return False
        return True

    def zip(self, data: bytes, prefix: str, depth: int) -> None:
        declared = compressed.zip_declared_entries(data)
        if declared is not None and declared > 10 * self.limits.max_archive_members:
            self.state.cut(DefectKind.ARCHIVE_CUT, f"zip{_at(prefix)} declares {declared} entries: not listed")
            self.bomb(f"zip{_at(prefix)} declares {declared} entries")
            return
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except Exception as exc:  # zipfile raises many types on hostile input
            self.report.defect(DefectKind.ARCHIVE_DAMAGED,
                               f"unreadable zip{_at(prefix)}: {type(exc).__name__}: {exc}"[:300])
            return
        self.zip_bomb_checks(infos, len(data), prefix)
        self.report.encrypted |= any(info.flag_bits & 0x1 for info in infos)
        if depth == 1:
            self.report.container_type = compressed.zip_container_type(archive, infos)
        for info in infos:
            if info.filename.endswith("/"):
                continue
            encrypted = bool(info.flag_bits & 0x1)
            path = _join(prefix, info.filename)
            head = b"" if encrypted else self.zip_read(archive, info, filetype.HEAD_BYTES)
            listed, kind = self.member(path, head, depth, size=info.file_size,
                                       compressed_size=info.compress_size, encrypted=encrypted)
            if not listed:
                break
            if not encrypted and self.can_open(kind, path, depth, info.file_size):
                content = self.zip_read(archive, info, info.file_size)
                if content and kind:
                    self.archive(content, kind, path, depth + 1, path)

    def zip_read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
        size = min(size, info.file_size)
        if size <= 0 or not self.charge(size):
            return b""
        try:
            with archive.open(info) as member:
                return member.read(size)
        except Exception as exc:  # bad CRC, unsupported method, truncated data...
            self.report.defect(DefectKind.ARCHIVE_DAMAGED, f"member {info.filename[:_NAME_MAX]} unreadable: "
                                       f"{type(exc).__name__}"[:300])
            return b""

    def zip_bomb_checks(self, infos: list[zipfile.ZipInfo], archive_size: int, prefix: str) -> None:
        limits = self.limits
        where = f"zip{_at(prefix)}"
        total = sum(info.file_size for info in infos)
        if total > limits.max_archive_expanded_bytes:
            self.bomb(f"{where} expands to {total} bytes")
        elif total >= limits.archive_bomb_floor_bytes and total > limits.max_archive_ratio * archive_size:
            self.bomb(f"{where} expands {total // max(archive_size, 1)}x to {total} bytes")
        else:
            for info in infos:
                if info.file_size >= limits.archive_bomb_floor_bytes and \
                        info.file_size > limits.max_archive_ratio * max(info.compress_size, 1):
                    self.bomb(f"{where} member {info.filename[:_NAME_MAX]} expands "
                              f"{info.file_size // max(info.compress_size, 1)}x")
                    break
        # Overlapping entries let one compressed stream be counted many times (Fifield's bomb).
        spans = sorted((info.header_offset, info.compress_size) for info in infos)
        for (offset, size), (next_offset, _) in itertools.pairwise(spans):
            if offset + 30 + size > next_offset:
                self.bomb(f"{where} has overlapping entries")
                break

    def tar(self, data: bytes, prefix: str, depth: int) -> None:
        try:
            archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - in memory
        except Exception as exc:  # tarfile raises many types on hostile input
            self.report.defect(DefectKind.ARCHIVE_DAMAGED, f"unreadable tar{_at(prefix)}: {type(exc).__name__}")
            return
        entries = 0
        while entries < 4 * self.limits.max_archive_members:
            try:
                info = archive.next()
            except Exception as exc:  # a damaged header midway: keep what was listed
                self.report.defect(DefectKind.ARCHIVE_DAMAGED, f"tar{_at(prefix)} damaged after {entries} entries: "
                                           f"{type(exc).__name__}")
                return
            if info is None:
                return
            entries += 1
            if not info.isfile():
                continue
            path = _join(prefix, info.name)
            head = self.tar_read(archive, info, filetype.HEAD_BYTES)
            listed, kind = self.member(path, head, depth, size=info.size, compressed_size=info.size)
            if not listed:
                return
            if self.can_open(kind, path, depth, info.size) and kind:
                content = self.tar_read(archive, info, info.size)
                if content:
                    self.archive(content, kind, path, depth + 1, path)

    def tar_read(self, archive: tarfile.TarFile, info: tarfile.TarInfo, size: int) -> bytes:
        size = min(size, info.size)
        if size <= 0 or not self.charge(size):
            return b""
        try:
            member = archive.extractfile(info)
            return member.read(size) if member is not None else b""
        except Exception:  # a truncated tar: the header promised more than there is
            return b""

    def stream(self, data: bytes, kind: str, prefix: str, depth: int, name: str | None) -> None:
        """A single compressed stream (gzip, bzip2, xz): a tarball is listed as one archive,
        anything else is one member."""
        limits = self.limits
        where = f"{kind}{_at(prefix)}"
        declared = compressed.gzip_declared_size(data) if kind == "gzip" else None
        if declared is not None and declared >= limits.archive_bomb_floor_bytes \
                and declared > limits.max_archive_ratio * len(data):
            self.bomb(f"{where} declares {declared} bytes from {len(data)}")
        inflater = compressed.Inflater(kind, data)
        head = inflater.pull(min(filetype.HEAD_BYTES, self.state.inspect_allowance()), keep=True)
        inner_kind = filetype.archive_kind(filetype.detect(head, self.state)) if head else None
        # Keep the content only when it will be opened; otherwise inflate a little further,
        # discarding, to see whether the stream expands like a bomb.
        keep = inner_kind == "tar" or (inner_kind is not None and depth < limits.max_archive_depth)
        want = limits.max_nested_archive_bytes if keep else limits.archive_bomb_floor_bytes + 1
        rest = inflater.pull(max(0, min(want, self.state.inspect_allowance()) - len(head)), keep=keep)
        self.state.inspect_bytes += inflater.produced
        if inflater.error:
            self.report.defect(DefectKind.ARCHIVE_DAMAGED, f"{where}: {inflater.error}")
        if inflater.produced >= limits.archive_bomb_floor_bytes and \
                inflater.produced > limits.max_archive_ratio * max(inflater.consumed, 1):
            self.bomb(f"{where} inflates more than {inflater.produced // max(inflater.consumed, 1)}x")
        if inner_kind == "tar":
            if not inflater.eof and not inflater.error:
                self.state.cut(DefectKind.ARCHIVE_CUT,
                               f"{where}: tarball larger than the inspection bound, listed in part")
            self.tar(head + rest, prefix, depth)
            return
        inner_name = _join(prefix, compressed.gzip_name(data) or _strip_suffix(name, kind))
        size = inflater.produced if inflater.eof else declared
        listed, inner_kind = self.member(inner_name, head, depth, size=size, compressed_size=len(data))
        if listed and self.can_open(inner_kind, inner_name, depth, size if inflater.eof else None) \
                and inner_kind is not None:
            self.archive(head + rest, inner_kind, inner_name, depth + 1, inner_name)


_SUFFIXES = {".tgz": ".tar", ".tbz2": ".tar", ".txz": ".tar", ".gz": "", ".gzip": "", ".bz2": "",
             ".xz": ""}


def _strip_suffix(name: str | None, kind: str) -> str:
    if not name:
        return f"({kind} content)"
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot > 0 and base[dot:].lower() in _SUFFIXES:
        return base[:dot] + _SUFFIXES[base[dot:].lower()]
    return base


def _join(prefix: str, name: str) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in name[:_NAME_MAX])
    return f"{prefix}/{clean}" if prefix else clean


def _at(prefix: str) -> str:
    return f" {prefix}" if prefix else ""
