"""Mailing lists and forwarders are recognised before any sender-mismatch test; newsletters are mass mail."""

from __future__ import annotations

from mailgate.config import AntispamSettings
from tests.unit.antispam.helpers import SPAM_TEXT, build, context, names_fired, scanner

LIST_HEADERS = {
    "List-Id": "Users of Example Tools <users.lists.example.org>",
    "List-Post": "<mailto:users@lists.example.org>",
    "List-Unsubscribe": "<mailto:users-request@lists.example.org?subject=unsubscribe>",
    "Precedence": "list",
    "Sender": "users-bounces@lists.example.org",
}
NEWSLETTER_HEADERS = {
    "List-Unsubscribe": "<https://news.shop.test/u/8f3a>, <mailto:unsub@news.shop.test>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Feedback-ID": "spring-sale:newsletter:shop",
    "Precedence": "bulk",
}
NEWSLETTER_TEXT = (
    "Our spring collection is here. Browse the new garden furniture, outdoor lights and planters in\n"
    "our online shop, and read the care guide for wooden tables in this month's magazine.\n\n"
    "You receive this newsletter because you subscribed at shop.test. Manage your preferences or\n"
    "unsubscribe at https://news.shop.test/preferences\n"
)


def test_list_mail_from_another_domain_than_the_envelope_is_not_punished() -> None:
    message = build(headers=LIST_HEADERS)
    result = scanner().scan(message, context(mail_from="users-bounces@lists.example.org"))
    fired = names_fired(result)
    assert "MAILING_LIST" in fired
    assert "FROM_ENVELOPE_MISMATCH" not in fired
    assert result.verdict == "not_spam"


def test_the_same_mismatch_without_a_list_or_forwarder_is_a_named_hit() -> None:
    result = scanner().scan(build(), context(mail_from="someone@elsewhere.test"))
    mismatch = next(c for c in result.reasons if c.test == "FROM_ENVELOPE_MISMATCH")
    assert "partner.test" in mismatch.evidence and "elsewhere.test" in mismatch.evidence


def test_forwarded_mail_with_an_arc_seal_is_not_a_mismatch() -> None:
    headers = {"ARC-Seal": "i=1; a=rsa-sha256; cv=none; d=forwarder.test; s=arc1; t=1; b=AAAA"}
    result = scanner().scan(build(headers=headers), context(mail_from="srs0=x@forwarder.test"))
    assert "FROM_ENVELOPE_MISMATCH" not in names_fired(result)


def test_a_bulk_newsletter_is_mass_mailing_with_its_signals_named() -> None:
    message = build(body=NEWSLETTER_TEXT, subject="Spring collection and garden care guide",
                    sender="Shop News <news@news.shop.test>", headers=NEWSLETTER_HEADERS)
    result = scanner().scan(message, context(mail_from="bounces@news.shop.test"))
    assert result.verdict == "mass_mailing"
    bulk = next(c for c in result.reasons if c.test == "BULK_MAIL")
    assert "List-Unsubscribe" in bulk.evidence and "Feedback-ID" in bulk.evidence
    assert result.details["scl"] in (0, 1)  # Exchange's "not spam" levels


def test_bulk_headers_do_not_launder_an_unauthenticated_pitch_into_mass_mailing() -> None:
    """A spammer adds List-Unsubscribe, its one-click Post and a Feedback-ID: still probable spam. (The spam
    threshold is out of reach, so the score sits where mass mailing and probable spam meet.)"""
    settings = AntispamSettings(spam_threshold=1000)
    pitch = build(body=SPAM_TEXT, subject="Exclusive deal", sender="Deals <deals@offers.test>",
                  headers=NEWSLETTER_HEADERS)
    plain = scanner(settings=settings).scan(build(body=SPAM_TEXT, subject="Exclusive deal",
                                                  sender="Deals <deals@offers.test>"),
                                            context(mail_from="bounces@offers.test"))
    dressed = scanner(settings=settings).scan(pitch, context(mail_from="bounces@offers.test"))
    assert plain.verdict == "probable_spam", "the pitch must be flagged bare, or this proves nothing"
    assert dressed.verdict == "probable_spam"
    assert dressed.details["bulk"], "the headers were recognised as bulk signals"


def test_a_discussion_list_with_an_unsubscribe_header_is_not_mass_mailing() -> None:
    result = scanner().scan(build(headers={**LIST_HEADERS, "Precedence": "bulk"}),
                            context(mail_from="users-bounces@lists.example.org"))
    assert result.verdict == "not_spam"
