"""Anti-spam and the authentication result: a well-known sender counts only with an aligned DMARC pass, and
an authenticated sender's mail is not made spam by the classifier alone."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.config import AntispamSettings, KnownSendersSettings
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult
from mailgate.scanners.base import ScanContext
from tests.unit.antispam.helpers import SPAM_TEXT, build, names_fired, scanner

NOTICE = ("Hello Anna,\n\nyour package 1Z999AA10123456784 is out for delivery today between 10:30 and 14:30.\n"
          "Track your package: https://www.ups.com/track?tracknum=1Z999AA10123456784\n\n"
          "Delivery address: Hauptstrasse 5, Berlin\n\nUPS\n")


def authentication(result: str, from_domain: str, dkim_domain: str | None = None) -> ScannerResult:
    details: dict[str, Any] = {
        "spf": {"result": "none", "domain": None},
        "dkim": [{"result": "pass", "domain": dkim_domain}] if dkim_domain else [],
        "dmarc": {"result": result, "from_domain": from_domain, "org_domain": from_domain,
                  "alignment": {"spf": False, "dkim": result == "pass"}},
    }
    return ScannerResult("authentication", result, 0.0, (), details)


def context_after(auth: ScannerResult | None) -> ScanContext:
    return ScanContext(Envelope("bounce@ups.com", ("anna@example.test",), client_ip="192.0.2.25"),
                       "mx.example.test", ("example.test",), (auth,) if auth else ())


def test_an_aligned_dmarc_pass_from_a_listed_carrier_is_named_and_lowers_the_score() -> None:
    notice = build(NOTICE, subject="Your package is out for delivery", sender="UPS <mcinfo@ups.com>")
    plain = scanner().scan(notice, context_after(None))
    passed = scanner().scan(notice, context_after(authentication("pass", "ups.com", "ups.com")))
    assert "AUTH_KNOWN_SENDER" in names_fired(passed) and "AUTH_KNOWN_SENDER" not in names_fired(plain)
    [known] = [c for c in passed.reasons if c.test == "AUTH_KNOWN_SENDER"]
    assert known.score < 0 and "DMARC pass by DKIM d=ups.com" in known.evidence
    assert passed.score == pytest.approx(plain.score + known.score, abs=0.01)
    assert passed.details["known_sender"] == "ups.com"


@pytest.mark.parametrize("result", ["fail", "none", "temperror", "permerror"])
def test_the_same_from_without_a_dmarc_pass_gets_nothing(result: str) -> None:
    notice = build(NOTICE, sender="UPS <mcinfo@ups.com>")
    scanned = scanner().scan(notice, context_after(authentication(result, "ups.com")))
    assert "AUTH_KNOWN_SENDER" not in names_fired(scanned)
    assert scanned.details["authenticated_from"] is None


@pytest.mark.parametrize("domain", ["ups-delivery.com", "ups.com.parcel-notice.test", "upsmail.test", "xn--ps-9ja.com"])
def test_a_look_alike_domain_that_passes_its_own_dmarc_is_not_a_known_sender(domain: str) -> None:
    notice = build(NOTICE, sender=f"UPS <mcinfo@{domain}>")
    scanned = scanner().scan(notice, context_after(authentication("pass", domain, domain)))
    assert "AUTH_KNOWN_SENDER" not in names_fired(scanned)


def test_a_subdomain_of_a_listed_sender_is_covered() -> None:
    notice = build(NOTICE, sender="Amazon <shipment-tracking@email.amazon.com>")
    scanned = scanner().scan(notice, context_after(authentication("pass", "email.amazon.com", "amazon.com")))
    assert "AUTH_KNOWN_SENDER" in names_fired(scanned)


def test_the_organisation_adds_and_removes_senders_in_its_settings() -> None:
    settings = AntispamSettings(known_senders=KnownSendersSettings(add=("parcels.example",), remove=("ups.com",)))
    ours = build(NOTICE, sender="Parcels <track@parcels.example>")
    theirs = build(NOTICE, sender="UPS <mcinfo@ups.com>")
    added = scanner(settings=settings).scan(ours, context_after(authentication("pass", "parcels.example",
                                                                                  "parcels.example")))
    removed = scanner(settings=settings).scan(theirs, context_after(authentication("pass", "ups.com", "ups.com")))
    assert "AUTH_KNOWN_SENDER" in names_fired(added)
    assert "the organisation's list" in next(c.evidence for c in added.reasons if c.test == "AUTH_KNOWN_SENDER")
    assert "AUTH_KNOWN_SENDER" not in names_fired(removed)
    none_shipped = AntispamSettings(known_senders=KnownSendersSettings(shipped=False))
    assert "AUTH_KNOWN_SENDER" not in names_fired(scanner(settings=none_shipped).scan(
        theirs, context_after(authentication("pass", "ups.com", "ups.com"))))


def test_the_test_can_be_switched_off_by_name() -> None:
    settings = AntispamSettings(disabled_tests=("AUTH_KNOWN_SENDER",))
    notice = build(NOTICE, sender="UPS <mcinfo@ups.com>")
    scanned = scanner(settings=settings).scan(notice, context_after(authentication("pass", "ups.com", "ups.com")))
    assert "AUTH_KNOWN_SENDER" not in names_fired(scanned)


def test_the_classifier_alone_does_not_make_an_authenticated_sender_spam() -> None:
    pitch = build(SPAM_TEXT.replace("http://203.0.113.9/claim?id=12345", "https://offers.shop.test/claim"),
                  subject="Your exclusive offer", sender="Offers <deals@shop.test>")
    unauthenticated = scanner().scan(pitch, context_after(None))
    bayes = next(c for c in unauthenticated.reasons if c.test.startswith("BAYES_"))
    assert bayes.score > 4.5, "the pitch must be one the classifier is sure of, or this proves nothing"
    authenticated = scanner().scan(pitch, context_after(authentication("pass", "shop.test", "shop.test")))
    capped = next(c for c in authenticated.reasons if c.test.startswith("BAYES_"))
    assert capped.score == 4.5 and "capped" in capped.description
    assert "AUTH_KNOWN_SENDER" not in names_fired(authenticated)  # shop.test is on no list
    assert authenticated.verdict in ("probable_spam", "mass_mailing", "not_spam")
    assert authenticated.score < unauthenticated.score


def test_a_named_test_can_still_make_an_authenticated_sender_spam() -> None:
    gtube = build("XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n", sender="x@shop.test")
    scanned = scanner().scan(gtube, context_after(authentication("pass", "shop.test", "shop.test")))
    assert scanned.verdict == "spam"



def test_an_organisation_adding_a_public_suffix_trusts_no_one_under_it() -> None:
    settings = AntispamSettings(known_senders=KnownSendersSettings(add=("co.uk", "com.au")))
    for domain in ("shop.co.uk", "spammer.com.au"):
        notice = build(NOTICE, sender=f"Parcels <track@{domain}>")
        scanned = scanner(settings=settings).scan(notice, context_after(authentication("pass", domain, domain)))
        assert "AUTH_KNOWN_SENDER" not in names_fired(scanned), domain


def test_hostile_html_of_endless_image_tags_is_read_only_up_to_a_bound() -> None:
    """20,000 unclosed <img tags: the scan still gives a verdict, and the tracking-pixel check reads only the
    first 200 tags (a pixel after them is not looked for), so such HTML costs no more than an ordinary page."""
    from mailgate.scanners.antispam.tokens import MAX_IMAGE_TAGS, consistency_features

    flood = "<img " * 20_000
    scanned = scanner().scan(build(NOTICE, html=f"<html><body>{flood}</body></html>"), context_after(None))
    assert scanned.verdict in ("spam", "probable_spam", "mass_mailing", "not_spam")
    early = build(NOTICE, html='<p>hi</p><img src="https://t.test/o.gif" width="1" height="1">' + '<img src="a">' * 10)
    late = build(NOTICE, html='<img src="a">' * (MAX_IMAGE_TAGS + 5) + '<img src="https://t.test/o.gif" width="1">')
    assert "px:tiny-image" in consistency_features(early)
    assert "px:tiny-image" not in consistency_features(late)
