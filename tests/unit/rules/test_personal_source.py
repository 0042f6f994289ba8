"""A recipient's personal lists as the rules function finds them: by alias, not for duplicated accounts,
read once a minute per address."""

from __future__ import annotations

from mailgate.directory.index import DirectoryIndex
from mailgate.rules.personal_source import PersonalListSource
from mailgate.rules.sender_lists import PersonalLists
from tests.unit.directory.build import entry, snapshot

BOB = PersonalLists(allow=("alice@partner.test",))


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def directory() -> DirectoryIndex:
    return DirectoryIndex([snapshot(
        entry("user", "Bob Builder", "bob@example.test", "b.builder@example.test", sam="bob"),
        entry("user", "Carol One", "carol@example.test", sam="carol"),
        entry("user", "Carol Two", "carol.two@example.test", sam="carol"),  # a duplicate NTLM name
    )])


def test_lists_are_found_under_any_address_of_the_account() -> None:
    reads: list[str] = []

    def fetch(address: str) -> PersonalLists | None:
        reads.append(address)
        return BOB if address == "bob@example.test" else None

    source = PersonalListSource(fetch)
    lists, note = source("B.Builder@example.test", directory())
    assert lists is not None and note is None
    assert reads == ["b.builder@example.test", "bob@example.test"]
    assert source("nobody@example.test", None) == (None, None)


def test_duplicated_accounts_get_no_personal_lists() -> None:
    source = PersonalListSource(lambda address: BOB)
    lists, note = source("carol@example.test", directory())
    assert lists is None and note is not None and "duplicates" in note


def test_a_change_is_seen_after_the_refresh_interval_and_not_before() -> None:
    clock, stored = Clock(), {"bob@example.test": BOB}
    source = PersonalListSource(stored.get, refresh_seconds=60, clock=clock)
    assert source("bob@example.test", None)[0] is not None
    stored.clear()
    clock.now = 59
    assert source("bob@example.test", None)[0] is not None
    clock.now = 61
    assert source("bob@example.test", None)[0] is None
