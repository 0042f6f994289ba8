"""Building test messages and files in memory: ordinary ones with the stdlib, hostile ones by hand."""

from __future__ import annotations

import base64
import io
import tarfile
import zipfile
from email.message import EmailMessage

MiB = 1024 * 1024

# A minimal PE: DOS header whose e_lfanew points at a "PE\0\0" signature and a COFF header.
PE_EXECUTABLE = (b"MZ" + b"\x90\x00" + b"\x00" * 56 + (0x40).to_bytes(4, "little")
                 + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200)


def with_attachment(data: bytes, filename: str, content_type: str = "application/octet-stream",
                    text: str = "See attached.") -> bytes:
    message = EmailMessage()
    message["From"] = "Alice <alice@example.test>"
    message["To"] = "bob@example.test"
    message["Subject"] = "attachment"
    message.set_content(text)
    maintype, subtype = content_type.split("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def raw_mail(*headers: str, body: str = "") -> bytes:
    """A message assembled line by line, for shapes a well-behaved library would refuse to write."""
    head = "\r\n".join(headers)
    return f"{head}\r\n\r\n{body}".encode()


def nested_multipart(levels: int) -> bytes:
    lines = ["From: a@example.test", "Subject: deep", 'Content-Type: multipart/mixed; boundary="b0"', ""]
    for level in range(1, levels):
        lines += [f"--b{level - 1}", f'Content-Type: multipart/mixed; boundary="b{level}"', ""]
    lines += [f"--b{levels - 1}", "Content-Type: text/plain", "", "the innermost text", ""]
    lines += [f"--b{level}--" for level in reversed(range(levels))]
    return "\r\n".join(lines).encode()


def many_parts(count: int) -> bytes:
    parts = "".join(f"--x\r\nContent-Type: text/plain\r\n\r\npart {index}\r\n" for index in range(count))
    return ("From: a@example.test\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
            + parts + "--x--\r\n").encode()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zeros_zip(name: str, size: int) -> bytes:
    """A deflated file of zeros, written in chunks so the test never holds `size` bytes."""
    buffer = io.BytesIO()
    chunk = bytes(MiB)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open(name, "w", force_zip64=True) as member:
        for _ in range(size // MiB):
            member.write(chunk)
    return buffer.getvalue()


def encrypted_zip(name: str, data: bytes) -> bytes:
    """zipfile cannot encrypt: store the entry, then set the "encrypted" flag bit in the local and
    central headers, which is what a reader checks before asking for a password."""
    archive = bytearray(zip_of({name: data}, compression=zipfile.ZIP_STORED))
    local = archive.find(b"PK\x03\x04")
    central = archive.find(b"PK\x01\x02")
    archive[local + 6] |= 0x01
    archive[central + 8] |= 0x01
    return bytes(archive)


def tar_gz_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def base64_lines(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
