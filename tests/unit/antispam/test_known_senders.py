"""The shipped list of well-known senders, and matching a From domain against it."""

from __future__ import annotations

import pytest

from mailgate.scanners.antispam.known_senders import (
    CATEGORIES,
    KNOWN_SENDERS_PATH,
    ORGANISATION,
    SOURCES,
    KnownSender,
    KnownSenderError,
    KnownSenderList,
    parse_known_senders,
    shipped_known_senders,
)
from mailgate.scanners.authentication.dmarc import organizational_domain

FREE_MAIL = ("gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
             "icloud.com", "me.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "aol.com", "proton.me",
             "protonmail.com", "mail.ru", "yandex.ru", "yandex.com", "mail.com", "zoho.com", "libero.it", "orange.fr",
             "free.fr", "laposte.net", "btinternet.com", "sky.com", "virginmedia.com", "comcast.net", "att.net",
             "verizon.net", "bluewin.ch", "vodafone.de", "ok.ru", "rambler.ru", "ukr.net", "qq.com", "163.com",
             "naver.com", "rediffmail.com", "seznam.cz", "wp.pl", "onet.pl", "interia.pl", "virgilio.it")
SHORTENERS = ("bit.ly", "bitly.com", "t.co", "goo.gl", "tinyurl.com", "ow.ly", "adf.ly", "is.gd")
# Platforms whose subdomains or From addresses their customers choose: a DMARC pass names the platform, not them.
CUSTOMER_CONTROLLED = ("zendesk.com", "force.com", "sendgrid.net", "mailgun.net", "list-manage.com",
                       "atlassian.net", "myshopify.com", "custhelp.com", "amazonses.com", "googleusercontent.com")


@pytest.fixture(scope="module")
def shipped() -> KnownSenderList:
    return KnownSenderList.build()


def test_the_shipped_file_parses_into_a_list_of_a_few_hundred_senders() -> None:
    entries = shipped_known_senders()
    assert 300 <= len(entries) <= 800
    assert shipped_known_senders() is entries  # parsed once per process


def test_the_shipped_file_is_sorted_unique_lower_case_ascii() -> None:
    domains = [entry.domain for entry in shipped_known_senders()]
    assert domains == sorted(domains)
    assert len(domains) == len(set(domains))
    assert all(domain.isascii() and domain == domain.lower() for domain in domains)


def test_every_domain_is_registrable_or_a_subdomain_never_a_public_suffix() -> None:
    for entry in shipped_known_senders():
        # under a public suffix, "probe.<suffix>" would itself be the organisational domain
        organisation = organizational_domain(f"probe.{entry.domain}")
        assert entry.domain == organisation or entry.domain.endswith(f".{organisation}"), entry.domain


def test_every_category_and_source_is_a_documented_one() -> None:
    for entry in shipped_known_senders():
        assert entry.category in CATEGORIES, entry
        assert entry.source in SOURCES, entry
    text = KNOWN_SENDERS_PATH.read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert all(key in comments for key in SOURCES)
    assert all(category in comments for category in CATEGORIES)
    assert "domain\tcategory\tsource" in text.splitlines()


@pytest.mark.parametrize("domain", FREE_MAIL + SHORTENERS + CUSTOMER_CONTROLLED)
def test_free_mail_shorteners_and_customer_controlled_platforms_are_not_on_the_list(
        shipped: KnownSenderList, domain: str) -> None:
    assert shipped.match(domain) is None
    assert shipped.match(f"user.{domain}") is None


@pytest.mark.parametrize("domain", ["ups.com", "fedex.com", "dhl.com", "dhl.de", "usps.com", "royalmail.com",
                                    "dpd.de", "myhermes.de", "evri.com", "gls-group.eu", "paypal.com", "stripe.com",
                                    "github.com", "cloudflare.com", "booking.com", "airbnb.com", "uber.com",
                                    "lyft.com", "steampowered.com", "apple.com", "google.com", "amazon.de",
                                    "amazon.co.jp", "twitch.tv", "linkedin.com", "hmrc.gov.uk"])
def test_well_known_senders_are_on_the_list(shipped: KnownSenderList, domain: str) -> None:
    assert shipped.match(domain) is not None


def test_a_subdomain_matches_its_nearest_listed_parent(shipped: KnownSenderList) -> None:
    match = shipped.match("marketplace.mail.amazon.com")
    assert match is not None
    assert match.domain == "amazon.com"
    assert match.category == "retail"
    nearer = KnownSenderList([KnownSender("example.com", "retail", "public-knowledge"),
                              KnownSender("news.example.com", "media", "public-knowledge")])
    assert nearer.match("a.news.example.com") == KnownSender("news.example.com", "media", "public-knowledge")
    assert nearer.match("shop.example.com") == KnownSender("example.com", "retail", "public-knowledge")


def test_case_and_a_trailing_dot_do_not_matter(shipped: KnownSenderList) -> None:
    assert shipped.match("  Mail.PayPal.COM. ") == shipped.match("paypal.com")
    assert shipped.match("paypal.com") is not None


@pytest.mark.parametrize("domain", ["amazon-security.com", "amaz0n.com", "amazon.com.evil.test", "amazoncom.test",
                                    "paypal.com-login.test", "xamazon.com", "amazon.co", "\u0430mazon.com",
                                    "paypa1.com", "secure-paypal.com", "com", "co.uk", "gov.uk", "x.co.uk"])
def test_a_look_alike_or_a_public_suffix_never_matches(shipped: KnownSenderList, domain: str) -> None:
    assert shipped.match(domain) is None


def test_unicode_domains_are_compared_in_idna_form() -> None:
    senders = KnownSenderList.build(shipped=False, add=["bücher.de"])
    assert senders.match("xn--bcher-kva.de") == KnownSender("xn--bcher-kva.de", "other", ORGANISATION)
    assert senders.match("Versand.BÜCHER.de") is not None
    assert senders.match("bucher.de") is None


@pytest.mark.parametrize("garbage", ["", " ", ".", "..", "...", "amazon..com", ".amazon.com.", "a\x00b.com",
                                     "amazon.com\x00.evil.test", "amazon.com\x00", "x" * 100_000,
                                     "a." * 300 + "amazon.com", "\ud800.com", "amazon com", "amazon.com/x",
                                     "user@amazon.com", "[127.0.0.1]", "\u200b.com", "-amazon.com"])
def test_garbage_input_is_no_match_and_never_raises(shipped: KnownSenderList, garbage: str) -> None:
    assert shipped.match(garbage) is None


def test_an_organisation_removes_and_adds_domains() -> None:
    senders = KnownSenderList.build(add=["Example-Shop.com."], remove=["groupon.com", "not-listed.test"])
    assert len(senders) == len(shipped_known_senders())  # one removed, one added, an unknown removal ignored
    assert senders.match("groupon.com") is None
    assert senders.match("news.example-shop.com") == KnownSender("example-shop.com", "other", ORGANISATION)
    assert senders.match("paypal.com") is not None


def test_remove_is_exact_naming_a_subdomain_that_is_not_a_row_removes_nothing() -> None:
    senders = KnownSenderList.build(remove=["mail.amazon.com"])
    assert senders.match("mail.amazon.com") is not None


def test_an_added_domain_that_is_already_shipped_keeps_its_shipped_entry() -> None:
    senders = KnownSenderList.build(add=["paypal.com"])
    match = senders.match("paypal.com")
    assert match is not None
    assert match.source != ORGANISATION
    assert len(senders) == len(shipped_known_senders())


def test_without_the_shipped_list_only_the_organisations_domains_match() -> None:
    senders = KnownSenderList.build(shipped=False, add=["example-shop.com"])
    assert len(senders) == 1
    assert senders.match("paypal.com") is None
    assert senders.match("example-shop.com") is not None
    assert len(KnownSenderList.build(shipped=False)) == 0


@pytest.mark.parametrize("value", ["", "not a domain", "..", "a\x00b.com", "x" * 300])
def test_a_setting_that_is_not_a_domain_is_refused(value: str) -> None:
    with pytest.raises(KnownSenderError, match="not a domain"):
        KnownSenderList.build(add=[value])
    with pytest.raises(KnownSenderError, match="not a domain"):
        KnownSenderList.build(remove=[value])


@pytest.mark.parametrize(("row", "problem"), [
    ("example.com\tretail", "3 tab-separated fields"),
    ("example.com\tretail\tpublic-knowledge\textra", "3 tab-separated fields"),
    ("Example.com\tretail\tpublic-knowledge", "not a lower-case ASCII domain"),
    ("bücher.de\tretail\tpublic-knowledge", "not a lower-case ASCII domain"),
    ("example.com\tshops\tpublic-knowledge", "unknown category"),
    ("example.com\tretail\tsomewhere", "unknown source"),
    ("example.com\tretail\torganisation", "unknown source"),
    ("example.org\tretail\tpublic-knowledge", "listed twice"),
])
def test_a_malformed_row_is_refused_naming_its_line(row: str, problem: str) -> None:
    lines = ["# comment", "domain\tcategory\tsource", "example.org\tretail\tpublic-knowledge", row]
    with pytest.raises(KnownSenderError, match=f"line 4: .*{problem}"):
        parse_known_senders(lines, "test.tsv")


def test_a_file_without_its_header_is_refused() -> None:
    with pytest.raises(KnownSenderError, match="line 2: expected the header"):
        parse_known_senders(["# comment", "example.org\tretail\tpublic-knowledge"], "test.tsv")
