"""URLs as a browser would follow them, from text and HTML, with their anchor text."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailgate.message import ParseLimits, parse_message
from mailgate.message.urls import normalise

from .build import raw_mail


def html_mail(html: str, text: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "a@example.test"
    message["Subject"] = "links"
    message.set_content(text or "see the HTML version")
    message.add_alternative(html, subtype="html")
    return message.as_bytes()


def by_source(raw: bytes, source: str) -> list[tuple[str, str | None]]:
    return [(u.url, u.anchor_text) for u in parse_message(raw).urls if u.source == source]


def test_anchor_text_and_href_are_both_kept() -> None:
    raw = html_mail('<p>Log in at <a href="http://evil.example/login">https://bank.example</a></p>')
    message = parse_message(raw)
    href = next(u for u in message.urls if u.source == "html-href")
    assert (href.url, href.host, href.anchor_text, href.part_path) == (
        "http://evil.example/login", "evil.example", "https://bank.example", "2")
    # The text a reader sees is itself a URL: kept separately so scanners can compare the two.
    assert by_source(raw, "html-text") == [("https://bank.example", None)]


def test_images_forms_and_refreshes_are_collected() -> None:
    raw = html_mail('<meta http-equiv="refresh" content="0; url=https://go.example/r">'
                    '<img src="https://cdn.example/pixel.gif"><form action="https://harvest.example/post">'
                    '<input name=p></form><a href="mailto:x@example.test">mail</a><a href="#top">top</a>')
    sources = {(u.source, u.url) for u in parse_message(raw).urls}
    assert sources == {("html-refresh", "https://go.example/r"), ("html-src", "https://cdn.example/pixel.gif"),
                       ("html-form", "https://harvest.example/post")}


def test_plain_text_urls_lose_trailing_punctuation() -> None:
    raw = raw_mail("From: a@example.test", body=(
        "Visit https://example.test/path?x=1. Or www.Example.org/page, (see http://foo.test/bar)\r\n"
        "Wiki: https://en.wikipedia.test/wiki/Mail_(disambiguation) and ftp://files.test/a.zip!\r\n"
        "Not these: user@www.example.test, xhttp://nope.test, http:// alone\r\n"))
    assert [url for url, _ in by_source(raw, "text")] == [
        "https://example.test/path?x=1", "http://www.example.org/page", "http://foo.test/bar",
        "https://en.wikipedia.test/wiki/Mail_(disambiguation)", "ftp://files.test/a.zip"]


def test_urls_are_deduplicated_per_url_and_source() -> None:
    raw = raw_mail("From: a@example.test", body="https://a.test/x https://a.test/x HTTPS://A.TEST/x")
    assert by_source(raw, "text") == [("https://a.test/x", None)]


def test_idna_hosts_have_unicode_and_ascii_forms() -> None:
    raw = raw_mail("From: a@example.test", "Content-Type: text/plain; charset=utf-8",
                   body="http://Bücher.example/a and http://xn--bcher-kva.example/b")
    hosts = {(u.host, u.host_ascii) for u in parse_message(raw).urls}
    assert hosts == {("bücher.example", "xn--bcher-kva.example")}


@pytest.mark.parametrize(("target", "host"), [
    ("http://evil.example\\@bank.example/", "evil.example"),  # browsers read "\" as "/"
    ("http://bank.example@evil.example/", "evil.example"),
    ("https://EVIL.example./x", "evil.example"),
    ("http://%65vil.example/", "evil.example"),
    ("http:\\\\evil.example\\path", "evil.example"),
    ("//cdn.example/x.js", "cdn.example"),
    ("http://\uff45\uff56\uff49\uff4c.example/", "evil.example"),  # full-width letters map to ASCII
    ("http://[2001:db8::1]:8080/", "2001:db8::1"),
])
def test_hosts_are_what_a_browser_would_contact(target: str, host: str) -> None:
    normalised = normalise(target)
    assert normalised is not None
    assert normalised[1] == host


@pytest.mark.parametrize("target", ["http://a..b/", "http://" + "x" * 300 + ".example/",
                                    "http://" + "é" * 100 + ".example/", "http://xn--zz-bad.example/",
                                    "http://[::1/", "http://"])
def test_bad_hosts_never_raise(target: str) -> None:
    normalise(target)


def test_tabs_and_newlines_inside_urls_are_dropped_like_browsers_do() -> None:
    raw = html_mail('<a href="https://ev\til.exa\nmple/lo\r\ngin">x</a>')
    assert by_source(raw, "html-href") == [("https://evil.example/login", "x")]


def test_url_collection_is_bounded() -> None:
    body = " ".join(f"https://site{index}.test/" for index in range(50))
    message = parse_message(raw_mail("From: a@example.test", body=body), ParseLimits(max_urls=10))
    assert len(message.urls) == 10
    assert any("URL limit 10 reached" in d for d in message.defects)


def test_links_in_html_attachments_are_collected() -> None:
    message = EmailMessage()
    message["From"] = "a@example.test"
    message.set_content("Your invoice is attached.")
    message.add_attachment('<form action="https://creds.example/steal"></form>', subtype="html",
                           filename="invoice.html")
    parsed = parse_message(message.as_bytes())
    assert [(u.source, u.url, u.part_path) for u in parsed.urls] == [
        ("html-form", "https://creds.example/steal", "2")]
    assert parsed.html_body == ""


def test_hosts_are_mapped_as_browsers_do_with_uts46_non_transitional() -> None:
    from mailgate.message.urls import normalise_host

    assert normalise_host("straße.example") == ("straße.example", "xn--strae-oqa.example")
    assert normalise_host("BÜCHER.de") == ("bücher.de", "xn--bcher-kva.de")
    assert normalise_host("ex\u200bample.com") == ("example.com", "example.com")  # an invisible character
