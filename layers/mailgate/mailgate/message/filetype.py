"""What a file is, from its bytes and from its name, and whether it is encrypted.

Types that decide verdicts (executables, archives, Office, PDF, HTML) come from exact signatures
here; puremagic answers the long tail. puremagic goes second because it costs ~0.3 ms a lookup
and, reading only prefixes, calls every ZIP a .docx and some PE files "ZoneAlarm data".
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable

import puremagic

from mailgate.message.state import ParseState

HEAD_BYTES = 4096  # enough for every signature used here except ISO images
PE = "application/vnd.microsoft.portable-executable"
DOS = "application/x-dosexec"
ZIP = "application/zip"
OLE = "application/vnd.ms-office"
ENCRYPTED_OFFICE = "application/encrypted"  # libmagic's name for an encrypted OOXML container

EXECUTABLE_TYPES = frozenset({PE, DOS, "application/x-executable", "application/x-mach-binary",
                              "application/x-msi", "application/x-ms-shortcut",
                              "application/vnd.ms-htmlhelp", "application/java-archive",
                              "application/vnd.android.package-archive"})

ARCHIVE_KINDS = {
    ZIP: "zip", "application/gzip": "gzip", "application/x-bzip2": "bzip2", "application/x-xz": "xz",
    "application/x-tar": "tar", "application/x-7z-compressed": "7z", "application/vnd.rar": "rar",
    "application/vnd.ms-cab-compressed": "cab", "application/x-iso9660-image": "iso",
}

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "application/x-executable"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"PK\x03\x04", ZIP), (b"PK\x05\x06", ZIP), (b"PK\x07\x08", ZIP),
    (b"\x1f\x8b", "application/gzip"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"MSCF\x00\x00\x00\x00", "application/vnd.ms-cab-compressed"),
    (b"{\\rt", "application/rtf"),  # Word opens "{\rt" without the "f"; malware relies on it
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "application/x-ms-shortcut"),
    (b"ITSF", "application/vnd.ms-htmlhelp"),
    (b"vhdxfile", "application/x-vhdx"),
    (b"conectix", "application/x-vhd"),
    (b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", "application/onenote"),
    (b"%!PS", "application/postscript"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MSI_CLSID = b"\x84\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_OLE_STREAMS = (
    ("EncryptedPackage", ENCRYPTED_OFFICE), ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"), ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
    ("__substg1.0_", "application/vnd.ms-outlook"),
)
# WHATWG MIME sniffing's HTML patterns, plus a few seen in phishing attachments.
_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p|meta"
    rb"|form|!--)[\s>/]", re.IGNORECASE)
_MAIL_START = re.compile(rb"(?:received|return-path|from|message-id|date|subject|mime-version"
                         rb"|delivered-to|x-[\w-]+):[ \t]", re.IGNORECASE)
_TEXT_PREFIXES = (
    (b"BEGIN:VCALENDAR", "text/calendar"), (b"BEGIN:VCARD", "text/vcard"),
    (b"-----BEGIN PGP SIGNATURE", "application/pgp-signature"),
    (b"-----BEGIN PGP MESSAGE", "application/pgp-encrypted"),
    (b"-----BEGIN PGP PUBLIC KEY", "application/pgp-keys"),
)
# Phishing pages often start with a line of text before the markup.
_HTML_INSIDE = re.compile(rb"<(?:html|body|script|form|iframe|meta|!doctype\s+html)[\s>]", re.IGNORECASE)
_PKCS7_SIGNED = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"  # OID 1.2.840.113549.1.7.2
_TEXT_CONTROL = bytes(range(0x20)).translate(None, b"\t\n\r\f\x1b") + b"\x7f"
_PDF_ENCRYPT = re.compile(rb"/Encrypt[\s<\d/]")


def detect(data: bytes, state: ParseState) -> str | None:
    """The MIME type from magic bytes; None for empty or unrecognised binary data."""
    if not data:
        return None
    found = _signature(data) or _markup(data)
    if found:
        return found
    if looks_like_text(data):
        return "text/html" if _HTML_INSIDE.search(data, 0, HEAD_BYTES) else "text/plain"
    if state.magic_lookups >= state.limits.max_magic_lookups:
        return None
    state.magic_lookups += 1
    return _puremagic(data)


def _signature(data: bytes) -> str | None:
    if data.startswith(b"MZ"):
        return _dos_or_pe(data)
    if data.startswith(_OLE_MAGIC):
        return _ole_kind(data)
    found = next((mime for prefix, mime in _PREFIXES if data.startswith(prefix)), None)
    return found or next((mime for test, mime in _POSITIONAL if test(data)), None)


_POSITIONAL: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (lambda data: data.startswith(b"BZh") and data[3:4].isdigit(), "application/x-bzip2"),
    # PDF readers accept the header anywhere in the first KiB; droppers rely on it.
    (lambda data: data.find(b"%PDF-", 0, 1024) >= 0, "application/pdf"),
    (lambda data: data.startswith(b"ustar", 257), "application/x-tar"),
    (lambda data: any(data.startswith(b"CD001", at) for at in (0x8001, 0x8801, 0x9001)),
     "application/x-iso9660-image"),
    (lambda data: data.startswith(b"BM") and data[14:15] in (b"\x0c", b"(", b"8", b"l", b"|")
     and data[15:18] == b"\x00\x00\x00", "image/bmp"),
    (lambda data: data.startswith(b"RIFF") and data.startswith(b"WEBP", 8), "image/webp"),
    # Signed .mobileconfig profiles and S/MIME signatures: DER SEQUENCE holding signedData.
    (lambda data: data.startswith(b"0\x82") and data.find(_PKCS7_SIGNED, 0, 32) > 0,
     "application/pkcs7-signature"),
)


def _dos_or_pe(data: bytes) -> str:
    offset = int.from_bytes(data[0x3C:0x40], "little") if len(data) >= 0x40 else -1
    return PE if 0 < offset < len(data) - 4 and data.startswith(b"PE\x00\x00", offset) else DOS


def _ole_kind(data: bytes) -> str:
    if _MSI_CLSID in data:
        return "application/x-msi"
    for stream, mime in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return mime
    return OLE


def _markup(data: bytes) -> str | None:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\f")
    if head.startswith(b"<?xml") or head[:4].lower() == b"<svg":
        return "image/svg+xml" if b"<svg" in data[:4096].lower() else "application/xml"
    if _HTML_START.match(head):
        return "text/html"
    if _MAIL_START.match(head):
        return "message/rfc822"
    return next((mime for prefix, mime in _TEXT_PREFIXES if head.startswith(prefix)), None)


def _puremagic(data: bytes) -> str | None:
    try:
        matches = puremagic.magic_string(data)
    except Exception:  # no match raises; so may a third-party parser on hostile bytes
        return None
    # Matches shorter than 4 bytes are noise on arbitrary binary data.
    return next((m.mime_type for m in matches if m.mime_type and m.confidence >= 0.4), None)


def looks_like_text(data: bytes) -> bool:
    sample = data[:HEAD_BYTES]
    if b"\x00" in sample:
        return False
    controls = len(sample) - len(sample.translate(None, _TEXT_CONTROL))
    return controls * 100 <= len(sample)


def is_encrypted(data: bytes, detected: str | None) -> bool:
    """Encryption visible without a password, for non-archive types (archives: `archives`)."""
    if detected == "application/pdf":
        return _PDF_ENCRYPT.search(data) is not None
    return detected == ENCRYPTED_OFFICE


def archive_kind(detected: str | None) -> str | None:
    return ARCHIVE_KINDS.get(detected or "")


# Python's built-in table (not the host's /etc/mime.types, so results do not depend on the
# machine), plus the types mail filtering cares about that it lacks or names per version.
_EXTENSION_TYPES = {**mimetypes.MimeTypes().types_map[0], **mimetypes.MimeTypes().types_map[1]} | {
    ".7z": "application/x-7z-compressed", ".rar": "application/vnd.rar", ".gz": "application/gzip",
    ".tgz": "application/gzip", ".bz2": "application/x-bzip2", ".xz": "application/x-xz",
    ".tar": "application/x-tar", ".zip": ZIP, ".cab": "application/vnd.ms-cab-compressed",
    ".iso": "application/x-iso9660-image", ".img": "application/x-raw-disk-image",
    ".vhd": "application/x-vhd", ".vhdx": "application/x-vhdx", ".one": "application/onenote",
    ".exe": PE, ".dll": PE, ".scr": PE, ".cpl": PE, ".com": DOS, ".pif": DOS, ".sys": PE,
    ".msi": "application/x-msi", ".lnk": "application/x-ms-shortcut",
    ".chm": "application/vnd.ms-htmlhelp", ".hta": "application/hta", ".js": "text/javascript",
    ".mjs": "text/javascript", ".jse": "text/jscript.encode", ".vbs": "text/vbscript",
    ".vbe": "text/vbscript.encode", ".wsf": "text/xml", ".ps1": "text/x-powershell",
    ".bat": "application/x-bat", ".cmd": "application/x-bat", ".jar": "application/java-archive",
    ".apk": "application/vnd.android.package-archive", ".iqy": "text/x-ms-iqy",
    ".url": "application/x-mswinurl", ".svg": "image/svg+xml", ".eml": "message/rfc822",
    ".msg": "application/vnd.ms-outlook", ".ics": "text/calendar", ".rtf": "application/rtf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".dotm": "application/vnd.ms-word.template.macroEnabled.12",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xlam": "application/vnd.ms-excel.addin.macroEnabled.12",
    ".pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".webp": "image/webp", ".heic": "image/heic",
}


def extension_type(filename: str | None) -> str | None:
    """The type a name claims. Trailing dots and spaces go, as Windows drops them."""
    if not filename:
        return None
    name = filename.rstrip(". \t\u200b").lower()
    dot = name.rfind(".")
    if dot < 0 or "/" in name[dot:] or "\\" in name[dot:]:
        return None
    return _EXTENSION_TYPES.get(name[dot:])
