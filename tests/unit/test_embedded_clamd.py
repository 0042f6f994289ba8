"""The scan function's own clamd (the AWS container image): signatures from S3 (moto), a real clamd
started on first use, newer signatures reloaded in place by a warm function."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from mailgate.aws.signature_store import S3SignatureStore
from mailgate.config import AntivirusSettings
from mailgate.message import parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scanners.antivirus import AntivirusScanner
from mailgate.scanners.antivirus.daemon import clamd_binary
from mailgate.scanners.antivirus.database import EICAR, write_test_database
from mailgate.scanners.antivirus.embedded import EmbeddedClamd
from mailgate.scanners.base import ScanContext

pytestmark = pytest.mark.skipif(clamd_binary() is None, reason="clamd is not installed (clamav-daemon)")
BUCKET = "signatures"


def publish(tmp_path: Path, version: int, built: datetime) -> None:
    folder = tmp_path / f"published-{version}"
    for path in write_test_database(folder, version=version, built=built).parent.iterdir():
        boto3.client("s3").upload_file(str(path), BUCKET, f"clamav/{path.name}")


def infected(address: str) -> list[str]:
    raw = (b"From: a@sender.test\r\nTo: b@example.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain\r\n\r\n" + EICAR + b"\r\n")
    scanner = AntivirusScanner(AntivirusSettings(clamd=address))
    result = scanner.scan(parse_message(raw), ScanContext(Envelope("a@sender.test", ("b@example.test",)), "mx"))
    return list(result.details["threats"])


def test_clamd_starts_from_s3_signatures_and_reloads_newer_ones(aws, tmp_path):
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    publish(tmp_path, 1, datetime.now(UTC) - timedelta(days=3))
    now = [0.0]
    embedded = EmbeddedClamd(S3SignatureStore(f"s3://{BUCKET}/clamav/"), tmp_path / "lambda-tmp",
                             check_every=900, clock=lambda: now[0])
    try:
        address = embedded.address()
        assert infected(address) == ["Mailgate.Test.EICAR-String.UNOFFICIAL"]
        scanner = AntivirusScanner(AntivirusSettings(clamd=address))
        assert scanner.signature_info().database_version == 1  # type: ignore[union-attr]

        publish(tmp_path, 2, datetime.now(UTC))
        now[0] = 100.0
        assert embedded.refresh_if_due() is False  # not due yet: S3 is asked every 15 minutes
        now[0] = 1000.0
        assert embedded.refresh_if_due() is True
        fresh = AntivirusScanner(AntivirusSettings(clamd=address))
        for _ in range(100):  # RELOAD answers at once and loads in the background
            info = fresh.signature_info()
            if info is not None and info.database_version == 2:
                break
            time.sleep(0.1)
            fresh = AntivirusScanner(AntivirusSettings(clamd=address))
        assert info is not None and info.database_version == 2
        assert not info.stale(48)
        assert embedded.address() == address  # the same clamd, reloaded, not a second one
        now[0] = 2000.0
        assert embedded.refresh_if_due() is False  # nothing newer
    finally:
        embedded.stop()


def test_no_signatures_in_s3_is_a_clear_error(aws, tmp_path):
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    embedded = EmbeddedClamd(S3SignatureStore(f"s3://{BUCKET}/clamav/"), tmp_path / "lambda-tmp")
    with pytest.raises(FileNotFoundError, match="no ClamAV signatures under s3://signatures/clamav/"):
        embedded.address()
    assert embedded.planned_address().endswith("clamd.sock")


def test_a_signature_location_must_be_an_s3_url():
    with pytest.raises(ValueError, match="s3://bucket/prefix/"):
        S3SignatureStore("/var/lib/clamav")
