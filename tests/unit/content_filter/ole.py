"""A minimal OLE compound file writer (olefile only reads): version 3, 512-byte sectors, every stream
padded to the 4096-byte mini-stream cutoff so no mini stream is needed. Enough for real readers
(olefile, and ClamAV) to see the storages and streams Office writes: VBA projects, Outlook
attachments, OLE packages."""

from __future__ import annotations

import itertools
import struct

SECTOR = 512
END_OF_CHAIN, FAT_SECTOR, FREE, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b"") -> None:
        self.name, self.kind, self.data = name, kind, data
        self.children: dict[str, _Entry] = {}
        self.sid = 0
        self.start = END_OF_CHAIN
        self.right = NO_STREAM
        self.child = NO_STREAM


def compound_file(streams: dict[str, bytes]) -> bytes:
    """streams: "Storage/Sub/Stream" → bytes; storages are created from the paths."""
    root = _Entry("Root Entry", 5)
    for path, data in streams.items():
        *storages, leaf = path.split("/")
        node = root
        for name in storages:
            node = node.children.setdefault(name, _Entry(name, 1))
        node.children[leaf] = _Entry(leaf, 2, data.ljust(4096, b"\x00"))
    entries = _number(root)
    _link(root)
    directory = b"".join(_directory_entry(e) for e in entries)
    directory = directory.ljust(-(-len(directory) // SECTOR) * SECTOR, b"\x00")
    payload = [(e, e.data.ljust(-(-len(e.data) // SECTOR) * SECTOR, b"\x00")) for e in entries if e.kind == 2]
    data_sectors = len(directory) // SECTOR + sum(len(d) // SECTOR for _, d in payload)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + data_sectors:
        fat_sectors += 1
    fat = [FAT_SECTOR] * fat_sectors
    dir_start = len(fat)
    fat += _chain(dir_start, len(directory) // SECTOR)
    body = directory
    for entry, data in payload:
        entry.start = len(fat)
        fat += _chain(entry.start, len(data) // SECTOR)
        body += data
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))
    directory = b"".join(_directory_entry(e) for e in entries).ljust(len(directory), b"\x00")
    body = directory + body[len(directory):]
    header = (MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
              + struct.pack("<109I", *(list(range(fat_sectors)) + [FREE] * (109 - fat_sectors))))
    return header + struct.pack(f"<{len(fat)}I", *fat) + body


def _number(root: _Entry) -> list[_Entry]:
    entries, queue = [], [root]
    while queue:
        entry = queue.pop(0)
        entry.sid = len(entries)
        entries.append(entry)
        queue += sorted(entry.children.values(), key=lambda e: (len(e.name), e.name.upper()))
    return entries


def _link(entry: _Entry) -> None:
    """Children as a degenerate tree: the first is the storage's child, each next its right sibling."""
    ordered = sorted(entry.children.values(), key=lambda e: (len(e.name), e.name.upper()))
    if ordered:
        entry.child = ordered[0].sid
    for left, right in itertools.pairwise(ordered):
        left.right = right.sid
    for child in ordered:
        _link(child)


def _chain(start: int, count: int) -> list[int]:
    return [start + i + 1 for i in range(count - 1)] + [END_OF_CHAIN] if count else []


def _directory_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    size = len(entry.data) if entry.kind == 2 else 0
    return (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name), entry.kind, 1)
            + struct.pack("<III", NO_STREAM, entry.right, entry.child) + bytes(16) + bytes(4) + bytes(16)
            + struct.pack("<IIi", entry.start if entry.kind == 2 else END_OF_CHAIN if entry.kind == 5 else 0,
                          size, 0))
