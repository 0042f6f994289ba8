"""Link scanning without the network: local list files, safe-link wrappers, and URL shapes."""

from __future__ import annotations

from pathlib import Path

from mailgate.config import AntiphishingSettings, LinkListFile, LinkVerdict
from mailgate.message.model import Message
from mailgate.scan.report import ScannerResult
from mailgate.scanners.links import LinkScanner
from mailgate.scanners.links.reputation import LinkList
from mailgate.scanners.links.unwrap import unwrap
from tests.unit.antiphishing.helpers import context, mail

LIST_TEXT = """# phishing domains and URLs, one a line
bad-login.example.net
https://files.example.org/share/evil   # a URL prefix: only this path on an otherwise good host

"""


def scan(message: Message, settings: AntiphishingSettings | None = None) -> ScannerResult:
    return LinkScanner(settings).scan(message, context())


def listed(tmp_path: Path, verdict: LinkVerdict = "phishing_link") -> AntiphishingSettings:
    path = tmp_path / "phishing.txt"
    path.write_text(LIST_TEXT)
    return AntiphishingSettings(link_lists=(LinkListFile(path=str(path), verdict=verdict),))


def test_a_domain_on_a_local_list_makes_a_phishing_link_naming_the_url(tmp_path: Path) -> None:
    result = scan(mail("A <a@sender.test>", "Hi", text="Log in: https://www.bad-login.example.net/x\n"),
                  listed(tmp_path))
    assert result.verdict == "phishing_link"
    hit = next(c for c in result.reasons if c.test == "LINK_LIST_PHISHING")
    assert "https://www.bad-login.example.net/x" in hit.evidence and "phishing.txt" not in hit.test


def test_a_url_prefix_matches_only_its_path(tmp_path: Path) -> None:
    settings = listed(tmp_path, "malicious_link")
    bad = scan(mail("A <a@sender.test>", "Hi", text="https://files.example.org/share/evil/payload\n"), settings)
    good = scan(mail("A <a@sender.test>", "Hi", text="https://files.example.org/share/holiday.jpg\n"), settings)
    assert bad.verdict == "malicious_link"
    assert good.verdict == "clean"


def test_a_wrapped_link_is_judged_by_its_destination(tmp_path: Path) -> None:
    wrapped = ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fbad-login.example.net%2Fp"
               "&data=05%7C01&reserved=0")
    result = scan(mail("A <a@sender.test>", "Hi", text=f"See {wrapped}\n"), listed(tmp_path))
    assert result.verdict == "phishing_link"
    assert unwrap("https://www.google.com/url?q=https://x.example.net/&sa=D", "www.google.com").host == "x.example.net"


def test_the_list_format_ignores_comments_and_blank_lines() -> None:
    entries = LinkList("inline", "phishing_link", LIST_TEXT.splitlines())
    assert entries.domains == frozenset({"bad-login.example.net"})
    assert entries.prefixes == ("files.example.org/share/evil",)


def test_a_url_hiding_its_host_behind_userinfo_and_an_ip_is_a_phishing_link() -> None:
    result = scan(mail("A <a@sender.test>", "Hi", text="http://www.bank.example@203.0.113.9/login\n"))
    assert {"LINK_USERINFO", "LINK_IP_LITERAL"} <= {c.test for c in result.reasons}
    assert result.verdict == "phishing_link"


def test_a_program_download_from_a_bare_ip_is_a_malicious_link() -> None:
    result = scan(mail("A <a@sender.test>", "Invoice", text="Download: http://203.0.113.9/invoice.exe\n"))
    assert result.verdict == "malicious_link"
    assert any(c.test == "LINK_DANGEROUS_DOWNLOAD" for c in result.reasons)


def test_an_installer_on_a_named_software_site_alone_stays_clean() -> None:
    result = scan(mail("A <a@sender.test>", "New release", text="https://downloads.example.org/tool-2.1.msi\n"))
    assert result.verdict == "clean"


def test_a_data_url_link_is_named() -> None:
    html = '<a href="data:text/html;base64,PGgxPkxvZ2luPC9oMT4=">Open the document</a>'
    result = scan(mail("A <a@sender.test>", "Document", text="Open it.", html=html))
    assert any(c.test == "LINK_DATA_URI" for c in result.reasons)


def test_ordinary_links_are_clean() -> None:
    result = scan(mail("A <a@sender.test>", "Hi", text="Docs: https://docs.example.org/guide\n"))
    assert result.verdict == "clean" and not result.reasons


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_list_is_re_read_on_its_schedule_and_a_failed_read_keeps_the_last_good_copy(tmp_path: Path) -> None:
    from mailgate.scanners.links.sources import RefreshingList

    path = tmp_path / "feed.txt"
    path.write_text("old-bad.example.net\n")
    clock = Clock()
    source = RefreshingList(str(path), "phishing_link", refresh_seconds=300, clock=clock)
    assert source.current().domains == frozenset({"old-bad.example.net"})
    path.write_text("new-bad.example.net\n")
    clock.now += 299
    assert source.current().domains == frozenset({"old-bad.example.net"})  # not yet due
    clock.now += 1
    assert source.current().domains == frozenset({"new-bad.example.net"})
    path.unlink()  # the feed disappears: keep using what we had, and say so
    clock.now += 300
    assert source.current().domains == frozenset({"new-bad.example.net"})
    clock.now += 60
    status = source.status()
    assert status["loaded"] and status["entries"] == 1
    assert status["stale_seconds"] == 60.0 and "feed.txt" in status["error"]


def test_a_list_that_cannot_be_read_is_reported_and_the_scan_still_runs(tmp_path: Path) -> None:
    settings = AntiphishingSettings(link_lists=(LinkListFile(path=str(tmp_path / "missing.txt")),))
    result = scan(mail("A <a@sender.test>", "Hi", text="https://www.example.org/\n"), settings)
    assert result.verdict == "clean"
    [status] = result.details["lists"]
    assert status["loaded"] is False and "missing.txt" in status["error"]


def test_lists_in_s3_are_read_through_the_adapter_and_pick_up_a_new_upload(aws) -> None:
    from mailgate.aws.clients import client
    from mailgate.aws.list_source import read_list

    s3 = client("s3")
    s3.create_bucket(Bucket="feeds")
    s3.put_object(Bucket="feeds", Key="lists/phishing.txt", Body=b"bad-login.example.net\n")
    settings = AntiphishingSettings(link_lists=(
        LinkListFile(path="s3://feeds/lists/phishing.txt", refresh_seconds=10),))
    scanner = LinkScanner(settings, None, read_list)
    clock = Clock()
    scanner.lists[0].clock = clock
    first = scanner.scan(mail("A <a@sender.test>", "Hi", text="https://bad-login.example.net/a\n"), context())
    assert first.verdict == "phishing_link"
    s3.put_object(Bucket="feeds", Key="lists/phishing.txt", Body=b"other.example.net\n")
    clock.now += 10
    later = scanner.scan(mail("A <a@sender.test>", "Hi", text="https://bad-login.example.net/a\n"), context())
    assert later.verdict == "clean"
