"""CBOR (RFC 8949), the subset AWS's Smithy RPC v2 CBOR protocol uses: for the local fakes of AWS services whose
model offers that protocol (tests/support/mail_manager_fake.py)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any


class Epoch(float):
    """A timestamp: encoded as CBOR tag 1 (seconds since the epoch)."""


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if value < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, value)
    raise ValueError("integer too large for CBOR")


def cbor_encode(value: Any) -> bytes:
    if value is None:
        return b"\xf6"
    if value is True or value is False:
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, Epoch):
        return b"\xc1" + b"\xfb" + struct.pack(">d", float(value))
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode()
        return _head(3, len(data)) + data
    if isinstance(value, list | tuple):
        return _head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError("truncated CBOR")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def item(self) -> Any:
        first = self.take(1)[0]
        major, info = first >> 5, first & 31
        if major == 7:
            return self._simple(info)
        if info == 31:  # indefinite length
            return self._indefinite(major)
        n = self._argument(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            chunk = self.take(n)
            return chunk if major == 2 else chunk.decode()
        if major == 4:
            return [self.item() for _ in range(n)]
        if major == 5:
            return {self.item(): self.item() for _ in range(n)}
        value = self.item()  # major 6: a tag
        return datetime.fromtimestamp(value, UTC) if n == 1 else value

    def _argument(self, info: int) -> int:
        if info < 24:
            return info
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if size is None:
            raise ValueError(f"bad CBOR additional information {info}")
        return int.from_bytes(self.take(size), "big")

    def _simple(self, info: int) -> Any:
        if info in (20, 21):
            return info == 21
        if info in (22, 23):
            return None
        if info == 25:
            return struct.unpack(">e", self.take(2))[0]
        if info == 26:
            return struct.unpack(">f", self.take(4))[0]
        if info == 27:
            return struct.unpack(">d", self.take(8))[0]
        raise ValueError(f"unsupported CBOR simple value {info}")

    def _indefinite(self, major: int) -> Any:
        items: list[Any] = []
        while self.data[self.at:self.at + 1] != b"\xff":
            items.append(self.item())
        self.take(1)
        if major == 4:
            return items
        if major == 5:
            return dict(zip(items[::2], items[1::2], strict=True))
        joined = b"".join(i if isinstance(i, bytes) else i.encode() for i in items)
        return joined if major == 2 else joined.decode()


def cbor_decode(data: bytes) -> Any:
    reader = _Reader(data)
    value = reader.item()
    if reader.at != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return value
