"""Hostile header fields are scanned in bounded time: `mailgate scan` gives each message of the set its
verdicts. Before the patterns on subjects and display names were bounded, a 64 KiB subject of digits took
35 s and one of capitals 23 s of CPU (enough to time out a batch and push innocent mail to the DLQ); the
whole set now takes about a second (bench/hostile_headers.py measures each message)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_mailgate
from tests.support.hostile_headers import hostile_messages

pytestmark = pytest.mark.integration
SCANNERS = {"authentication", "antivirus", "antispam", "antiphishing", "links", "content_filter"}


@pytest.mark.timeout(60)  # the bound the issue asks for, with a wide margin: the set takes about a second
def test_every_hostile_header_message_gets_its_verdicts(tmp_path: Path) -> None:
    for name, raw in hostile_messages().items():
        (tmp_path / f"{name}.eml").write_bytes(raw)
    result = run_mailgate("scan", "--json", "--no-network", str(tmp_path), timeout=55)
    assert result.returncode == 1, result.stderr[-2000:]  # exit 1: findings (held), never 2: every file was read
    lines = {Path(line["file"]).stem: line for line in map(json.loads, result.stdout.splitlines())}
    assert set(lines) == set(hostile_messages())
    for name, line in lines.items():
        assert set(line["verdicts"]) >= SCANNERS - {"antivirus"}, name
        assert all(v["verdict"] != "error" for v in line["verdicts"].values()), (name, line["verdicts"])
