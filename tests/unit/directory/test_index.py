"""The cache's questions: who is this address, which groups (nested), who matches a prefix, which
names are protected against spoofing; and what duplicates switch off."""

from __future__ import annotations

from mailgate.directory.index import DirectoryIndex
from mailgate.directory.names import fold_name

from .build import dn, entry, snapshot


def corp() -> DirectoryIndex:
    return DirectoryIndex([snapshot(
        entry("user", "Jane Doe", "jane@example.test", "j.doe@example.test", upn="jane@example.test", sam="jane"),
        entry("user", "Zoë Zeller", "zoe@example.test", upn="zoe@example.test", sam="zoe"),
        entry("group", "Finance", "finance@example.test", members=(dn("Jane Doe"), dn("Board"))),
        entry("group", "Board", "board@example.test", members=(dn("Zoë Zeller"), dn("Finance"))),  # a cycle
        entry("contact", "Carl Partner", "carl@partner.example.org"),
    )])


def test_an_address_resolves_to_its_account_and_every_group_nested_or_circular():
    index = corp()
    zoe = index.resolve("ZOE@example.test")
    assert zoe.account.display_name == "Zoë Zeller" and zoe.personal_allowed
    assert sorted(g.display_name for g in zoe.groups) == ["Board", "Finance"]
    assert "finance@example.test" in zoe.group_names
    assert index.resolve("nobody@example.test") is None


def test_a_group_reaches_its_members_addresses_through_nested_groups():
    index = corp()
    assert index.group_addresses("finance@example.test") == ["j.doe@example.test", "jane@example.test",
                                                             "zoe@example.test"]
    assert index.group_addresses(dn("Board").upper()) == index.group_addresses("board@example.test")
    assert index.group_addresses("jane@example.test") == []  # not a group


def test_autocomplete_finds_names_words_and_addresses_without_accents():
    index = corp()
    assert [a.display_name for a in index.autocomplete("zoe")] == ["Zoë Zeller"]
    assert [a.display_name for a in index.autocomplete("DOE")] == ["Jane Doe"]
    assert [a.display_name for a in index.autocomplete("carl@")] == ["Carl Partner"]
    assert len(index.autocomplete("", 10)) == 0
    assert len(index.autocomplete("j", 1)) == 1


def test_spoofing_names_fold_case_spacing_order_and_look_alikes_and_name_the_account():
    names = corp().spoofing_names()
    assert names[fold_name("DOE,  jane")] == "Jane Doe <jane@example.test>"
    assert fold_name("J\u0430ne Doe") == fold_name("Jane Doe")  # a Cyrillic a
    assert fold_name("Zoe Zeller") == fold_name("Zoë Zeller")


def test_duplicates_have_their_consequences():
    index = DirectoryIndex([snapshot(
        entry("user", "Sam Smith", "sam@example.test", upn="sam@example.test", sam="sam"),
        entry("contact", "Sam Smith", "sam.smith@partner.example.org"),
        entry("user", "Ann Alder", "ann@example.test", "help@example.test", upn="ann@example.test", sam="ann"),
        entry("user", "Ben Bell", "ben@example.test", "help@example.test", upn="ben@example.test", sam="ann"),
        entry("user", "Cy Cole", "cy@example.test", upn="ann@example.test", sam="cy"),
    )])
    kinds = {(d.kind, d.value.lower()) for d in index.duplicates}
    assert kinds == {("display_name", "sam smith"), ("address", "help@example.test"),
                     ("ntlm_name", "example\\ann"), ("kerberos_name", "ann@example.test")}
    assert fold_name("Sam Smith") not in index.spoofing_names()
    assert index.personal_allowed("sam@example.test")  # only its display name is shared
    assert not index.personal_allowed("ben@example.test")  # NTLM name EXAMPLE\ann twice
    assert not index.personal_allowed("cy@example.test")  # Kerberos name twice
    assert not index.personal_allowed("help@example.test")
    assert index.resolve("help@example.test").account is None


def test_an_account_read_through_two_overlapping_connections_counts_once():
    jane = entry("user", "Jane Doe", "jane@example.test", upn="jane@example.test", sam="jane")
    index = DirectoryIndex([snapshot(jane, connection_id="whole"), snapshot(jane, connection_id="staff-ou")])
    assert index.duplicates == [] and len(index) == 1
