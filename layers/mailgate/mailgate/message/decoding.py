"""Bytes to content: transfer decodings and charsets, lenient and bounded.

Everything here accepts garbage: broken base64, unknown charsets and bytes that do not fit the
declared charset decode to something usable, and the caller is told what went wrong.
"""

from __future__ import annotations

import binascii
import codecs
import re
from functools import lru_cache

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_IDENTITY_CTE = frozenset({"", "7bit", "8bit", "binary", "7-bit", "8-bit", "none"})
_UUENCODE_CTE = frozenset({"uuencode", "x-uuencode", "uue", "x-uue"})

# Mail declares charsets by their ISO names and means the Windows supersets (as browsers do).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252",
    "iso-8859-9": "cp1254", "iso-8859-11": "cp874", "tis-620": "cp874", "windows-874": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "big5": "big5hkscs", "x-sjis": "cp932",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8", "x-unknown": "", "unknown-8bit": "", "x-user-defined": "", "default": "",
    "us-ascii": "", "ascii": "", "ansi_x3.4-1968": "",
}
# Codecs Python accepts that no mail charset means: some are slow or surprising on hostile input.
_REFUSED_CODECS = frozenset({"idna", "punycode", "raw-unicode-escape", "unicode-escape", "undefined",
                             "mbcs", "oem", "charmap"})


def decode_transfer(data: bytes, encoding: str, limit: int) -> tuple[bytes, str | None, bool]:
    """Undo Content-Transfer-Encoding: (content, problem or None, truncated to `limit`)."""
    cte = encoding.strip().lower()
    if cte == "base64":
        # ~4/3 expansion plus line breaks: slicing first keeps a hostile part from costing more
        window = (limit // 3 + 2) * 4 * 2
        content, problem = decode_base64(data[:window])
        truncated = len(data) > window or len(content) > limit
        return content[:limit], problem, truncated
    if cte == "quoted-printable":
        window = limit * 3 + 3
        content = binascii.a2b_qp(data[:window])
        return content[:limit], None, len(data) > window or len(content) > limit
    if cte in _UUENCODE_CTE:
        content, problem = _decode_uu(data[: limit * 2])
        return content[:limit], problem, len(content) > limit or len(data) > limit * 2
    problem = None if cte in _IDENTITY_CTE else f"unknown Content-Transfer-Encoding {cte[:40]!r}"
    return data[:limit], problem, len(data) > limit


def decode_base64(data: bytes) -> tuple[bytes, str | None]:
    """Base64 that mail clients would still show: junk characters and bad padding are tolerated."""
    try:
        return binascii.a2b_base64(data), None
    except binascii.Error:
        clean = _B64_JUNK.sub(b"", data)
        if len(clean) % 4 == 1:
            clean = clean[:-1]
        clean += b"=" * (-len(clean) % 4)
        try:
            return binascii.a2b_base64(clean), "invalid base64 (decoded leniently)"
        except binascii.Error:  # pragma: no cover - the cleaned input is always valid
            return b"", "invalid base64 (not decodable)"


def _decode_uu(data: bytes) -> tuple[bytes, str | None]:
    out = bytearray()
    problem = None
    inside = False
    for line in data.splitlines():
        if not inside:
            inside = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`", b""):
            if line.strip() == b"end":
                break
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            problem = "invalid uuencoded line"
    return bytes(out), problem


def html_meta_charset(html: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag, for parts whose MIME header has none."""
    match = _META_CHARSET.search(html, 0, 4096)
    return match.group(1).decode("ascii") if match else None


@lru_cache(maxsize=256)
def resolve_charset(name: str) -> str | None:
    """The Python codec for a declared charset: "" means guess (ASCII or a placeholder name),
    None that the name is unknown or not a charset."""
    label = name.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if not label:
        return ""
    try:
        info = codecs.lookup(label[:40])
    except (LookupError, ValueError):
        return None
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_text(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text from bytes in a declared charset: (text, problem or None); never raises."""
    codec = resolve_charset(charset) if charset else ""
    if not codec:
        problem = None if codec == "" else f"unknown charset {(charset or '').strip()[:40]!r}"
        return guess_text(data), problem
    problem = None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode(codec, "replace")
        problem = f"bytes invalid in charset {charset!r} replaced"
    except Exception:  # a codec is third-party code running on hostile bytes
        return guess_text(data), f"charset {charset!r} failed to decode"
    return text.removeprefix("\ufeff"), problem


def guess_text(data: bytes) -> str:
    """Undeclared or unusable charset: ASCII, then UTF-8, then Windows-1252 like a browser."""
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")
