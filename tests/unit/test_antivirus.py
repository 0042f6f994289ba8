"""Anti-Virus pieces that need no clamd: settings, addresses, names, freshness, the clamd.conf we write.
Detection itself is tested against a real clamd in tests/integration/test_antivirus.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailgate.config import AntivirusSettings, ConfigError, parse_config
from mailgate.message import parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scanners.antivirus import AntivirusScanner
from mailgate.scanners.antivirus.catalog import strongest
from mailgate.scanners.antivirus.client import ClamdAddress
from mailgate.scanners.antivirus.daemon import render_config
from mailgate.scanners.antivirus.freshness import parse_version
from mailgate.scanners.antivirus.threats import PuaPolicy, is_pua, unscannable_test
from mailgate.scanners.base import ScanContext


def conf(**settings: object) -> dict[str, list[str]]:
    text = render_config(AntivirusSettings(**settings), database_dir=Path("/db"), run_dir=Path("/run"),
                         temp_dir=Path("/tmp"), unix_socket=Path("/run/clamd.sock"), tcp=("127.0.0.1", 3310))
    options: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        options.setdefault(key, []).append(value)
    return options


def test_without_a_clamd_address_anti_virus_is_skipped_not_clean():
    raw = b"From: a@sender.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n"
    result = AntivirusScanner(AntivirusSettings()).scan(
        parse_message(raw), ScanContext(Envelope("a@sender.test", ("b@example.test",)), "mailgate.test"))
    assert result.verdict == "skipped"
    assert [c.test for c in result.reasons] == ["AV_SKIPPED"]


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:3310", ClamdAddress(host="127.0.0.1", port=3310)),
    ("clamav.internal:3310", ClamdAddress(host="clamav.internal", port=3310)),
    ("[::1]:3310", ClamdAddress(host="::1", port=3310)),
    ("/run/clamav/clamd.ctl", ClamdAddress(path="/run/clamav/clamd.ctl")),
    ("unix:///tmp/clamd.sock", ClamdAddress(path="/tmp/clamd.sock")),
])
def test_clamd_addresses_are_host_port_or_a_socket_path(text, expected):
    assert ClamdAddress.parse(text) == expected


@pytest.mark.parametrize("text", ["clamd", "127.0.0.1", "127.0.0.1:0", "host:99999", ":3310"])
def test_malformed_clamd_addresses_are_refused(text):
    with pytest.raises(ValueError, match="HOST:PORT"):
        ClamdAddress.parse(text)


def test_verdict_precedence_is_infected_error_unscannable_clean():
    assert strongest(["clean", "unscannable", "error", "infected"]) == "infected"
    assert strongest(["unscannable", "error", "clean"]) == "error"
    assert strongest(["clean", "unscannable"]) == "unscannable"
    assert strongest([]) == "clean"


def test_clamd_limit_and_encryption_alerts_mean_unscannable_not_infected():
    assert unscannable_test("Heuristics.Encrypted.Zip") == "AV_UNSCANNABLE_ENCRYPTED"
    assert unscannable_test("Heuristics.Limits.Exceeded.MaxRecursion") == "AV_UNSCANNABLE_LIMIT"
    assert unscannable_test("Heuristics.Broken.Executable") == "AV_UNSCANNABLE_CORRUPTED"
    assert unscannable_test("Heuristics.Phishing.Email.SpoofedDomain") is None
    assert unscannable_test("Win.Test.EICAR_HDB-1") is None


def test_pua_names_and_the_administrators_categories():
    assert is_pua("PUA.Win.Tool.Netcat-1") and is_pua("Win.Trojan.PUA.Agent") and not is_pua("Win.Test.EICAR")
    assert not PuaPolicy(detect=False).counts("PUA.Win.Tool.Netcat-1")
    assert PuaPolicy(detect=True).counts("PUA.Win.Tool.Netcat-1")
    assert not PuaPolicy(detect=True, exclude=("Tool",)).counts("PUA.Win.Tool.Netcat-1")
    assert not PuaPolicy(detect=True, exclude=("Win.Tool",)).counts("PUA.Win.Tool.Netcat-1")
    assert PuaPolicy(detect=True, exclude=("Too",)).counts("PUA.Win.Tool.Netcat-1")  # whole words only
    assert PuaPolicy(detect=True, include=("Tool",)).counts("PUA.Win.Tool.Netcat-1")
    assert not PuaPolicy(detect=True, include=("Adware",)).counts("PUA.Win.Tool.Netcat-1")


def test_signature_version_and_age_from_clamds_answer():
    checked = datetime(2024, 12, 12, 9, 33, 15).astimezone()
    info = parse_version("ClamAV 1.4.6/27500/Tue Dec 10 09:33:15 2024\n", checked_at=checked)
    assert (info.engine, info.database_version) == ("ClamAV 1.4.6", 27500)
    assert info.age_hours() == pytest.approx(48.0)
    assert not info.stale(49) and info.stale(47)
    assert info.to_dict(48)["age_hours"] == 48.0


def test_loose_signature_files_have_no_version_and_count_as_stale():
    info = parse_version("ClamAV 1.4.6", checked_at=datetime.now(UTC) + timedelta(hours=1))
    assert info.database_version is None and info.database_date is None
    assert info.stale(48)


def test_the_clamd_conf_always_alerts_limits_and_encryption_whatever_the_heuristics():
    for level in ("off", "standard", "strict"):
        options = conf(heuristics=level)
        assert options["AlertExceedsMax"] == ["yes"]
        assert options["AlertEncrypted"] == ["yes"]
        assert options["HeuristicAlerts"] == ["no" if level == "off" else "yes"]
        assert ("AlertOLE2Macros" in options) == (level == "strict")
    assert "User" not in conf()  # runs as whoever starts it, never switches to a system account


def test_the_clamd_conf_stream_limit_stays_above_what_the_scanner_sends():
    options = conf(max_stream_bytes=10 * 1024 * 1024)
    assert int(options["StreamMaxLength"][0]) > 10 * 1024 * 1024
    assert int(options["MaxFileSize"][0]) >= int(options["StreamMaxLength"][0])


def test_the_clamd_conf_reports_pua_and_passes_the_categories_on():
    assert conf()["DetectPUA"] == ["yes"]
    assert conf(pua_exclude=("Tool", "Win.Packer"))["ExcludePUA"] == ["Tool", "Win.Packer"]
    assert conf(pua_include=("Spy",))["IncludePUA"] == ["Spy"]


def test_antivirus_settings_are_validated():
    config = parse_config(b'{"antivirus": {"clamd": "127.0.0.1:3310", "detect_pua": true}}')
    assert config.antivirus.clamd == "127.0.0.1:3310" and config.antivirus.detect_pua
    for bad in (b'{"antivirus": {"heuristics": "paranoid"}}', b'{"antivirus": {"on_infected": "delete"}}',
                b'{"antivirus": {"pua_include": ["Spy"], "pua_exclude": ["Tool"]}}',
                b'{"antivirus": {"pua_exclude": ["Tool; rm -rf"]}}', b'{"antivirus": {"clamd": "localhost"}}',
                b'{"antivirus": {"clamd": "localhost:70000"}}'):
        with pytest.raises(ConfigError, match="antivirus"):
            parse_config(bad)
