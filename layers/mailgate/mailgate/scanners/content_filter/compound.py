"""Inside OLE compound files (Office 97-2003 documents, Outlook .msg): VBA macros, and the files
they carry (an Outlook message's attachments, a document's embedded "Package" objects).

olefile parses the compound file; it is opened only when the bytes name what we look for (directory
entry names are UTF-16 in the file), so ordinary attachments never pay for it. Hostile files end as
an `error`, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import olefile

from mailgate.message import filetype

OLE_TYPES = frozenset({filetype.OLE, "application/msword", "application/vnd.ms-excel",
                       "application/vnd.ms-powerpoint", "application/vnd.ms-outlook"})
MAX_EMBEDDED = 100
_VBA = ("VBA".encode("utf-16-le"), "vba".encode("utf-16-le"))
_NATIVE = "\x01Ole10Native".encode("utf-16-le")
_MSG_ATTACHMENT = "__attach_version1.0_".encode("utf-16-le")
_MSG_NAMES = ("__substg1.0_3707001F", "__substg1.0_3704001F")  # long and short file name, UTF-16
_MSG_DATA = "__substg1.0_37010102"


@dataclass(frozen=True)
class Embedded:
    """A file carried inside a compound file."""

    name: str
    head: bytes  # the first bytes, for its true type
    size: int | None


@dataclass(frozen=True)
class CompoundView:
    macros: bool = False
    embedded: tuple[Embedded, ...] = ()
    error: str | None = None


NOTHING = CompoundView()


def inspect_compound(data: bytes) -> CompoundView:
    """Macros and embedded files of an OLE compound file; NOTHING when the bytes show neither."""
    wants_vba = any(mark in data for mark in _VBA)
    wants_files = _NATIVE in data or _MSG_ATTACHMENT in data
    if not (wants_vba or wants_files) or len(data) < olefile.MINIMAL_OLEFILE_SIZE:
        return NOTHING
    try:
        with olefile.OleFileIO(data) as ole:
            paths = [tuple(path) for path in ole.listdir(streams=True, storages=True)]
            macros = wants_vba and any(_is_vba_project(path) for path in paths)
            embedded = _embedded(ole, paths) if wants_files else ()
    except Exception as exc:  # olefile on hostile bytes raises many types
        return CompoundView(error=f"unreadable compound file: {type(exc).__name__}: {exc}"[:300])
    return CompoundView(macros, embedded)


def _is_vba_project(path: tuple[str, ...]) -> bool:
    """MS-OVBA: a VBA storage holding the _VBA_PROJECT stream (Word: Macros/VBA, Excel:
    _VBA_PROJECT_CUR/VBA, a bare vbaProject.bin: VBA at the root)."""
    lowered = [part.lower() for part in path]
    return len(lowered) >= 2 and lowered[-1] == "_vba_project" and lowered[-2] == "vba"


def _embedded(ole: olefile.OleFileIO, paths: list[tuple[str, ...]]) -> tuple[Embedded, ...]:
    present = set(paths)
    found: list[Embedded] = []
    for path in paths:
        if path[-1] == "\x01Ole10Native":
            found += _package(_read(ole, path, 64 * 1024))
    storages = sorted({path[:-1] for path in paths if len(path) >= 2 and path[-2].startswith("__attach_version1.0_")})
    for storage in storages:
        name_path = next(((*storage, name) for name in _MSG_NAMES if (*storage, name) in present), None)
        if name_path is None:
            continue
        name = _read(ole, name_path, 2048).decode("utf-16-le", "replace").rstrip("\x00")
        data_path = (*storage, _MSG_DATA)
        found.append(Embedded(name, _read(ole, data_path, filetype.HEAD_BYTES), ole.get_size("/".join(data_path)))
                     if data_path in present else Embedded(name, b"", None))
    return tuple(found[:MAX_EMBEDDED])


def _read(ole: olefile.OleFileIO, path: tuple[str, ...], size: int) -> bytes:
    with ole.openstream("/".join(path)) as stream:
        data: bytes = stream.read(size)
    return data


def _package(native: bytes) -> list[Embedded]:
    """An OLE Package (Ole10Native): size, flags, then the label and the original path as
    zero-terminated ANSI strings. The file's bytes follow in a layout that varies; its name is
    what a reader double-clicks, so the name is what is reported."""
    fields = native[6:].split(b"\x00", 2)
    if len(fields) < 3:
        return []
    label = fields[0].decode("cp1252", "replace")
    original = fields[1].decode("cp1252", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    names = dict.fromkeys(name for name in (label, original) if name)
    return [Embedded(name, b"", None) for name in names]
