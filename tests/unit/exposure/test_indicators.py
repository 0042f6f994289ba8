"""The indicators a message yields for the exposure index: normalised, distinct, bounded, and never raising on
what a hostile sender writes."""

from __future__ import annotations

from typing import Any

from mailgate.exposure.indicators import (
    MAX_INDICATORS,
    MAX_URL,
    Indicator,
    indicators_of,
    normalise,
    normalise_url,
)
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScanReport


def _report(urls: list[Any] | None = None, attachments: list[Any] | None = None, sender: str = "eve@bad.example",
            from_: list[Any] | None = None) -> ScanReport:
    facts = {"urls": urls or [], "attachments": attachments or [],
             "from": from_ if from_ is not None else [{"name": "Eve", "address": sender}]}
    return ScanReport(message_id="m1", raw_location={}, envelope=Envelope(sender, ("bob@example.test",)),
                      facts=facts, results=())


def _of(report: ScanReport, kind: str) -> list[str]:
    return [i.value for i in indicators_of(report) if i.kind == kind]


def test_a_link_yields_its_url_host_and_registered_domain() -> None:
    report = _report([{"url": "HTTPS://Login.Bad-Site.Example:443/x?a=1#frag", "host": "login.bad-site.example"}])
    assert _of(report, "url") == ["https://login.bad-site.example/x?a=1"]
    assert _of(report, "domain") == ["login.bad-site.example", "bad-site.example"]


def test_senders_and_attachment_hashes_come_first_and_are_lower_case() -> None:
    digest = "AB" * 32
    report = _report(attachments=[{"sha256": digest}, {"sha256": "not-a-hash"}, {"sha256": None}],
                     sender="Eve@Bad.Example")
    found = indicators_of(report)
    assert found[:3] == (Indicator("sender", "eve@bad.example"), Indicator("sender_domain", "bad.example"),
                         Indicator("sha256", "ab" * 32))


def test_a_search_normalises_as_the_index_does() -> None:
    assert normalise("url", " https://BAD.example ") == normalise_url("https://bad.example/")
    assert normalise("sender", "<Eve@BAD.Example>") == "eve@bad.example"
    assert normalise("sender_domain", "eve@BAD.example.") == "bad.example"
    assert normalise("domain", "Bücher.Example") == "xn--bcher-kva.example"
    assert normalise("sha256", "xyz") == ""
    assert normalise("url", "no scheme at all") == ""


def test_thousands_of_links_are_bounded() -> None:
    urls = [{"url": f"https://h{i}.example{i}.test/p", "host": f"h{i}.example{i}.test"} for i in range(5000)]
    found = indicators_of(_report(urls))
    assert len(found) == MAX_INDICATORS
    assert found[0] == Indicator("sender", "eve@bad.example")  # the senders are never crowded out
    assert len(set(found)) == len(found)


def test_a_huge_url_is_cut_and_still_found_by_the_same_search() -> None:
    huge = "https://bad.example/" + "a" * 100_000
    found = _of(_report([{"url": huge, "host": "bad.example"}]), "url")
    assert len(found[0]) == MAX_URL
    assert normalise("url", huge) == found[0]
    key = Indicator("url", found[0]).key
    assert len(key) == 32


def test_odd_unicode_and_junk_never_raise() -> None:
    urls: list[Any] = [
        {"url": "https://\udcff\u202e.example/\x00", "host": "\udcff\u202e.example"},
        {"url": "http://[::1]:8080/x", "host": "::1"},
        {"url": "https://" + "é" * 300 + ".example/", "host": "é" * 300 + ".example"},
        {"url": "https://xn--.example/", "host": "xn--.example"},
        {"url": "javascript:alert(1)", "host": None},
        {"url": 42}, "not a mapping", None,
        {"url": "https://user:pw@ÉXAMPLE.test/%00", "host": "ÉXAMPLE.test"},
    ]
    found = indicators_of(_report(urls, attachments=["junk", {"sha256": 5}], from_=[{"address": None}, "x"],
                                  sender="\udcff@\x00"))
    values = [i.value for i in found]
    assert "http://[::1]:8080/x" in values
    assert "https://xn--xample-9ua.test/%00" in values  # no userinfo, IDNA host
    for indicator in found:
        indicator.value.encode("utf-8", "surrogatepass")
        assert indicator.key


def test_a_wrapped_link_also_yields_its_destination() -> None:
    wrapped = "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fbad.example%2Flogin&data=x"
    found = _of(_report([{"url": wrapped, "host": "eur01.safelinks.protection.outlook.com"}]), "url")
    assert "https://bad.example/login" in found
