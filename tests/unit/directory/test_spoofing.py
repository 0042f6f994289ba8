"""Anti-phishing protects the directory's unique names: an outsider using one is flagged with the
matched account named; names shared by two accounts are skipped; without a directory the configured
names still apply."""

from __future__ import annotations

from mailgate.config import AntiphishingSettings
from mailgate.directory.index import DirectoryIndex
from mailgate.scanners.antiphishing import AntiphishingScanner
from tests.unit.antiphishing.helpers import context, mail

from .build import entry, snapshot

GIFT_CARDS = "Are you at your desk? I need you to buy gift cards for a client.\n"


def reasons(message, directory=None, settings=None):
    scanner = AntiphishingScanner(settings, directory)
    return {c.test: c.evidence for c in scanner.scan(message, context()).reasons}


def test_a_directory_name_from_outside_is_flagged_naming_the_account_even_in_look_alike_letters():
    index = DirectoryIndex([snapshot(entry("user", "Jane Doe", "jane@example.test"))])
    found = reasons(mail('"DOE, J\u0430ne" <ceo.office@gmail.com>', "Quick favour", text=GIFT_CARDS),
                    index.spoofing_names)
    assert "jane@example.test" in found["INTERNAL_NAME_FROM_OUTSIDE"]


def test_a_name_two_accounts_share_is_not_flagged():
    index = DirectoryIndex([snapshot(entry("user", "Jane Doe", "jane@example.test"),
                                     entry("contact", "Jane Doe", "jane@partner.example.org"))])
    found = reasons(mail("Jane Doe <ceo.office@gmail.com>", "Quick favour", text=GIFT_CARDS), index.spoofing_names)
    assert "INTERNAL_NAME_FROM_OUTSIDE" not in found


def test_without_a_readable_directory_the_configured_names_apply():
    settings = AntiphishingSettings(protected_names=("Jane Doe",))
    found = reasons(mail("Jane Doe <ceo.office@gmail.com>", "Quick favour", text=GIFT_CARDS), lambda: None, settings)
    assert "INTERNAL_NAME_FROM_OUTSIDE" in found
