"""File categories for `file_types` dictionaries: what a file is, from its bytes where bytes can tell.

Programs, archives, documents and disk images have signatures, so the true type decides and a lying
name changes nothing. Scripts and shortcut files are text without a signature: for them the (cleaned,
look-alike) name decides as well as the few markers their content has (the "#@~^" of an encoded
script, an HTA, WSF or scriptlet element).
"""

from __future__ import annotations

import re

from mailgate.message import filetype

CATEGORIES = ("executables", "scripts", "shortcuts", "archives", "encrypted", "office_macros",
              "office_documents", "pdf", "disk_images", "html", "images")

EXECUTABLE_TYPES = (filetype.EXECUTABLE_TYPES - {"application/x-ms-shortcut"}) | {
    "application/x-msdownload", "application/x-sharedlib", "application/x-mach-o-executable",
    "application/x-elf", "application/x-ms-installer", "application/x-ms-application"}
SCRIPT_EXTENSIONS = frozenset({
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "ps1", "psm1", "psd1", "ps1xml", "psc1", "bat", "cmd", "hta",
    "sct", "reg", "inf", "msc", "vb", "vba", "applescript", "scpt", "command"})
SHORTCUT_EXTENSIONS = frozenset({"lnk", "url", "website", "scf", "settingcontent-ms", "appref-ms", "library-ms",
                                 "searchconnector-ms", "iqy", "slk"})
DISK_IMAGE_TYPES = frozenset({"application/x-iso9660-image", "application/x-vhd", "application/x-vhdx",
                              "application/x-apple-diskimage", "application/x-raw-disk-image"})
DISK_IMAGE_EXTENSIONS = frozenset({"iso", "img", "vhd", "vhdx", "dmg", "udf"})
OFFICE_TYPES = frozenset({
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", filetype.OLE,
    "application/rtf", "application/onenote", filetype.ENCRYPTED_OFFICE,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-word.document.macroEnabled.12", "application/vnd.ms-excel.sheet.macroEnabled.12",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation"})
# Windows Script Host and HTA content. A "#!" line is not here: Unix scripts do not run on a
# double-click, and developers mail them to each other.
_SCRIPT_MARKERS = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}>\s*)?<(?:job|package|scriptlet)[\s>]|#@~\^|<hta:application",
    re.IGNORECASE)


def categories_of(detected: str | None, extension: str, head: bytes, *, encrypted: bool,
                  macros: bool) -> frozenset[str]:
    """The categories of one file: its true type, its name's extension (for signature-less formats),
    the first bytes of its content, and what was found inside it."""
    found: set[str] = set()
    kind = detected or ""
    if kind in EXECUTABLE_TYPES:
        found.add("executables")
    if extension in SCRIPT_EXTENSIONS or (head and _SCRIPT_MARKERS.search(head, 0, filetype.HEAD_BYTES)):
        found.add("scripts")
    if kind == "application/x-ms-shortcut" or extension in SHORTCUT_EXTENSIONS:
        found.add("shortcuts")
    if kind in DISK_IMAGE_TYPES or extension in DISK_IMAGE_EXTENSIONS:
        found.add("disk_images")
    elif filetype.archive_kind(kind) is not None:
        found.add("archives")
    if kind in OFFICE_TYPES or kind.startswith("application/vnd.openxmlformats-officedocument."):
        found.add("office_documents")
    if macros or kind.endswith(".macroenabled.12") or kind.endswith(".macroEnabled.12"):
        found.update(("office_macros", "office_documents"))
    if encrypted:
        found.add("encrypted")
    if kind == "application/pdf":
        found.add("pdf")
    if kind in ("text/html", "application/xhtml+xml", "application/hta"):
        found.add("html")
    if kind.startswith("image/"):
        found.add("images")
    return frozenset(found)
