"""Who the message claims to be from: cousins of our own domains, our colleagues' names from
outside, free mail posing as a service desk, replies diverted elsewhere."""

from __future__ import annotations

from mailgate.config import AntiphishingSettings
from mailgate.scanners.antiphishing.sender import is_cousin
from mailgate.scanners.antiphishing.skeleton import skeleton

from .helpers import fired, mail, scan


def test_a_cousin_of_an_accepted_domain_is_named() -> None:
    result = scan(mail("Accounts <accounts@examp1e.test>", "Invoice 2291 attached",
                       text="Please settle the attached invoice today: https://pay.examp1e.test/2291\n"))
    hit = next(c for c in result.reasons if c.test == "COUSIN_DOMAIN")
    assert "examp1e.test" in hit.evidence and "example.test" in hit.evidence
    assert result.verdict in ("probable_phishing", "phishing")


def test_cousins_are_typos_and_look_alikes_but_not_the_domain_itself() -> None:
    assert is_cousin("examp1e.test", "example.test")
    assert is_cousin("exampel.com", "example.test")
    assert is_cousin("example-payments.com", "example.test")
    assert is_cousin("\u0435\u0445ample.test", "example.test")  # Cyrillic ie and ha
    assert not is_cousin("example.test", "example.test")
    assert not is_cousin("sample.org", "example.test")
    assert skeleton("p\u0430ypal") == skeleton("paypal")  # Cyrillic a


def test_an_internal_name_on_mail_from_outside_is_named() -> None:
    settings = AntiphishingSettings(protected_names=("Jane Doe",))
    result = scan(mail('"Doe, Jane" <jane.doe.ceo@gmail.com>', "Quick favour",
                       text="Are you at your desk? I need you to buy gift cards for a client.\n"), settings)
    assert "INTERNAL_NAME_FROM_OUTSIDE" in fired(result)


def test_the_same_name_from_inside_is_not_an_impostor() -> None:
    settings = AntiphishingSettings(protected_names=("Jane Doe",))
    result = scan(mail("Jane Doe <jane@example.test>", "Quick favour", text="Lunch at noon?\n"), settings)
    assert "INTERNAL_NAME_FROM_OUTSIDE" not in fired(result)


def test_free_mail_posing_as_a_service_desk_with_replies_elsewhere() -> None:
    result = scan(mail("IT Support Team <helpdesk.notice@gmail.com>", "Mailbox quota",
                       text="Your mailbox is full. Reply with your details.\n",
                       headers={"Reply-To": "desk@mailbox-restore.example.net"}))
    assert {"FREEMAIL_POSING_AS_ORGANISATION", "REPLY_TO_DIFFERS"} <= fired(result)


def test_a_from_field_without_an_address_is_named() -> None:
    result = scan(mail("Microsoft", "Unusual sign-in activity", text="Review: https://signin-review.example.net/\n"))
    assert "FROM_NOT_AN_ADDRESS" in fired(result)
