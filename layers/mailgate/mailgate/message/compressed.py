"""Reading compressed formats without trusting them: bounded inflation, and the few header
fields (ZIP end record, gzip trailer and name, 7z and RAR flags) that answer questions cheaply."""

from __future__ import annotations

import bz2
import lzma
import struct
import zipfile
import zlib
from typing import Protocol

_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 1024 * 1024


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Gzip:
    """zlib's streaming object shaped like bz2's and lzma's."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._tail = b""

    @property
    def eof(self) -> bool:
        return self._inflate.eof

    @property
    def needs_input(self) -> bool:
        return not self._tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        out = self._inflate.decompress(self._tail + data, max(max_length, 0))
        self._tail = self._inflate.unconsumed_tail
        return out


class Inflater:
    """Inflates a compressed stream a bounded piece at a time, feeding input in small chunks so
    `produced / consumed` is a lower bound of the expansion ratio at every point."""

    def __init__(self, kind: str, data: bytes) -> None:
        self._data = data
        self._decompressor: _Decompressor = (
            _Gzip() if kind == "gzip" else bz2.BZ2Decompressor() if kind == "bzip2"
            else lzma.LZMADecompressor())
        self.consumed = 0
        self.produced = 0
        self.eof = False
        self.error: str | None = None

    def pull(self, limit: int, keep: bool) -> bytes:
        """Up to `limit` more bytes of output; returned only when `keep`, counted either way."""
        kept = bytearray()
        wanted = limit
        while wanted > 0 and not self.eof and self.error is None:
            chunk = b""
            if self._decompressor.needs_input:
                if self.consumed >= len(self._data):
                    self.error = "compressed stream ends early"
                    break
                chunk = self._data[self.consumed:self.consumed + _IN_CHUNK]
                self.consumed += len(chunk)
            try:
                out = self._decompressor.decompress(chunk, min(wanted, _OUT_CHUNK))
            except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError) as exc:
                self.error = f"corrupt compressed data ({exc})"[:200]
                break
            self.produced += len(out)
            wanted -= len(out)
            if keep:
                kept += out
            self.eof = self._decompressor.eof
        return bytes(kept)


def gzip_declared_size(data: bytes) -> int | None:
    """ISIZE from the gzip trailer: the uncompressed size modulo 4 GiB, as the sender claims."""
    return int.from_bytes(data[-4:], "little") if len(data) >= 18 else None


def gzip_name(data: bytes) -> str | None:
    """The original file name stored in a gzip header (FNAME), if any."""
    if len(data) < 10 or not data.startswith(b"\x1f\x8b") or not data[3] & 0x08:
        return None
    position = 10
    if data[3] & 0x04:  # FEXTRA
        position += 2 + int.from_bytes(data[10:12], "little")
    end = data.find(b"\x00", position, position + 1024)
    if end <= position:
        return None
    return data[position:end].decode("latin-1")


def zip_declared_entries(data: bytes) -> int | None:
    """Entry count from the end of central directory record, before zipfile parses them all."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 12 > len(data):
        return None
    (entries,) = struct.unpack_from("<H", data, end + 10)
    if entries != 0xFFFF:
        return int(entries)
    locator = end - 20
    if locator < 0 or not data.startswith(b"PK\x06\x07", locator):
        return int(entries)  # exactly 65535, or a zip64 archive without its locator
    (record,) = struct.unpack_from("<Q", data, locator + 8)
    if record + 40 > len(data) or not data.startswith(b"PK\x06\x06", record):
        return int(entries)
    (entries64,) = struct.unpack_from("<Q", data, record + 32)
    return int(entries64)


_OOXML = (("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "application/vnd.ms-word.document.macroEnabled.12"),
          ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "application/vnd.ms-excel.sheet.macroEnabled.12"),
          ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
           "application/vnd.ms-powerpoint.presentation.macroEnabled.12"))


def zip_container_type(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str | None:
    """The document format a ZIP really is (OOXML with or without macros, ODF, JAR, APK)."""
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names:
        macros = any(name.endswith("vbaProject.bin") for name in names)
        return next((with_macros if macros else plain for folder, plain, with_macros in _OOXML
                     if any(name.startswith(folder) for name in names)), None)
    if "AndroidManifest.xml" in names and "classes.dex" in names:
        return "application/vnd.android.package-archive"
    if "META-INF/MANIFEST.MF" in names:
        return "application/java-archive"
    return _declared_mimetype(archive) if "mimetype" in names else None


def _declared_mimetype(archive: zipfile.ZipFile) -> str | None:
    """ODF and EPUB name their type in a first member called "mimetype"."""
    try:
        with archive.open("mimetype") as member:
            declared = member.read(100).decode("ascii").strip()
    except Exception:  # a damaged or hostile member: the container stays a plain ZIP
        return None
    if declared.startswith(("application/vnd.oasis.opendocument.", "application/epub+zip")):
        return declared
    return None


_SEVENZIP_AES = b"\x06\xf1\x07\x01"


def sevenzip_encrypted(data: bytes) -> bool:
    """AES in the 7z header's coder list. Seen when headers are encrypted or stored plain; a
    password on data under an LZMA-compressed header is not visible without decompressing it."""
    if len(data) < 32:
        return False
    next_offset, next_size = struct.unpack_from("<QQ", data, 12)
    start = 32 + next_offset
    return _SEVENZIP_AES in data[start:start + min(next_size, 1024 * 1024)]


def rar_encrypted(data: bytes) -> bool:
    """RAR4: archive or first file header flagged encrypted. RAR5: an archive encryption header,
    or an encryption record on the first file."""
    try:
        if data.startswith(b"Rar!\x1a\x07\x00"):
            return _rar4_encrypted(data)
        if data.startswith(b"Rar!\x1a\x07\x01\x00"):
            return _rar5_encrypted(data)
    except (IndexError, struct.error):
        return False
    return False


def _rar4_encrypted(data: bytes) -> bool:
    position = 7
    head_type, flags, size = struct.unpack_from("<BHH", data, position + 2)
    if head_type == 0x73:
        if flags & 0x0080:  # MHD_PASSWORD: headers encrypted
            return True
        position += size
        head_type, flags, size = struct.unpack_from("<BHH", data, position + 2)
    return head_type == 0x74 and bool(flags & 0x0004)


def _vint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80 or shift > 63:
            return value, position


def _rar5_encrypted(data: bytes) -> bool:
    position = 8
    for _ in range(3):  # encryption header, main header, first file header
        size, body = _vint(data, position + 4)
        header_end = body + size
        head_type, cursor = _vint(data, body)
        if head_type == 4:
            return True
        flags, cursor = _vint(data, cursor)
        extra_size = 0
        if flags & 0x01:
            extra_size, cursor = _vint(data, cursor)
        if flags & 0x02:
            data_size, cursor = _vint(data, cursor)
        else:
            data_size = 0
        if head_type == 2:
            return _rar5_has_encryption_record(data, header_end - extra_size, header_end)
        position = header_end + data_size
    return False


def _rar5_has_encryption_record(data: bytes, position: int, end: int) -> bool:
    while position < end:
        size, cursor = _vint(data, position)
        record_type, _ = _vint(data, cursor)
        if record_type == 0x01:
            return True
        position = cursor + max(size, 1)
    return False
