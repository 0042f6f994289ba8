"""The project's own signature database, for tests and local mode (the official databases need
the ClamAV mirrors, which development machines and CI cannot reach).

It detects EICAR (by MD5 and by its string), every file Debian's `clamav-testfiles` ships (by MD5,
so also when nested: clamd unpacks archives and MIME and hashes what it finds), and a harmless
PUA-named stand-in. The signatures travel in an unsigned container (`.cud`), whose header gives
clamd a version and a build date: the freshness the health endpoint shows is then real.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_NAME = "Mailgate.Test.EICAR"
PUA_TEST_BYTES = b"MAILGATE-PUA-TEST: a harmless stand-in for a remote-administration tool\n"
PUA_TEST_NAME = "PUA.Win.Tool.MailgateTest"
TESTFILES_DIR = Path("/usr/share/clamav-testfiles")
DATABASE_FILE = "daily.cud"  # clamd reports the version and date of the database named "daily"
FUNCTIONALITY_LEVEL = 90  # ClamAV 0.103 and later understand every signature written here


@dataclass(frozen=True)
class HashSignature:
    """One .hdb line: files with this MD5 and size are the named threat."""

    name: str
    md5: str
    size: int

    @classmethod
    def of(cls, name: str, data: bytes) -> HashSignature:
        return cls(name, hashlib.md5(data, usedforsecurity=False).hexdigest(), len(data))

    def line(self) -> str:
        return f"{self.md5}:{self.size}:{self.name}"


def clamav_testfile_signatures(directory: Path = TESTFILES_DIR) -> list[HashSignature]:
    """One signature per file, named after it: "Mailgate.Test.File.clam_zip" for clam.zip."""
    if not directory.is_dir():
        return []
    return [HashSignature.of(f"Mailgate.Test.File.{_word(path.name)}", path.read_bytes())
            for path in sorted(directory.iterdir()) if path.is_file() and path.stat().st_size > 0]


def write_test_database(
    directory: Path, *, version: int = 1, built: datetime | None = None,
    testfiles_dir: Path = TESTFILES_DIR, extra: Iterable[HashSignature] = (),
) -> Path:
    """Write the database into `directory` (created) and return its path; `built` dates it."""
    hashes = [HashSignature.of(EICAR_NAME, EICAR), HashSignature.of(PUA_TEST_NAME, PUA_TEST_BYTES),
              *clamav_testfile_signatures(testfiles_dir), *extra]
    files = {
        "mailgate.hdb": "".join(f"{h.line()}\n" for h in hashes).encode(),
        "mailgate.ndb": f"{EICAR_NAME}-String:0:*:{EICAR.hex()}\n".encode(),  # the 68 bytes inside any file
    }
    stamp = int((built or datetime.now(UTC)).timestamp())
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / DATABASE_FILE
    target.write_bytes(_container(files, version, stamp))
    return target


def _container(files: dict[str, bytes], version: int, stamp: int) -> bytes:
    """ClamAV's CVD layout: a 512-byte header, then a tar.gz whose first member (.info) repeats the
    header and lists each file's size and SHA-256. A `.cud` is the unsigned kind clamd accepts."""
    sigs = sum(data.count(b"\n") for data in files.values())
    when = time.strftime("%d %b %Y %H-%M +0000", time.gmtime(stamp))
    head = f"ClamAV-VDB:{when}:{version}:{sigs}:{FUNCTIONALITY_LEVEL}"
    info = f"{head}:X:X:mailgate:{stamp}\n" + "".join(
        f"{name}:{len(data)}:{hashlib.sha256(data).hexdigest()}\n" for name, data in files.items())
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in (("daily.info", info.encode()), *files.items()):
            member = tarfile.TarInfo(name)
            member.size, member.mtime = len(data), stamp
            tar.addfile(member, io.BytesIO(data))
    body = packed.getvalue()
    md5 = hashlib.md5(body, usedforsecurity=False).hexdigest()
    header = f"{head}:{md5}:X:mailgate:{stamp}".encode().ljust(512, b" ")
    return header + body


def _word(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)
