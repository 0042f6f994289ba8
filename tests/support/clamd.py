"""pytest plugin: a real clamd for the session, with the project's signature database (INFRA.md §5).

`clamd` (session scope) is `ClamdProcess` from the product code: clamd.conf and the database
(EICAR, every file of clamav-testfiles, a PUA stand-in) written to a temp dir, a unix socket and
TCP on loopback, a bounded lifetime, readiness by PING. `clamd_database` is the database folder,
for tests that start a clamd of their own with other settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mailgate.config import AntivirusSettings
from mailgate.scanners.antivirus.daemon import ClamdProcess
from mailgate.scanners.antivirus.database import write_test_database

LIFETIME_SECONDS = 3600  # a clamd outliving a crashed session stops by itself


@pytest.fixture(scope="session")
def clamd_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clamd-db")
    write_test_database(folder)
    return folder


def start_clamd(workdir: Path, database: Path, settings: AntivirusSettings | None = None) -> ClamdProcess:
    return ClamdProcess(workdir, database, settings, lifetime_seconds=LIFETIME_SECONDS).start()


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory, clamd_database: Path) -> Iterator[ClamdProcess]:
    process = start_clamd(tmp_path_factory.mktemp("clamd"), clamd_database)
    try:
        yield process
    finally:
        process.stop()
