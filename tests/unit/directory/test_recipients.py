"""Which recipients the gateway takes at RCPT when verification is on, and what the address list must change."""

from __future__ import annotations

import pytest

from mailgate.directory.recipients import (
    DirectoryRecipients,
    RecipientPolicy,
    address_list_members,
    directory_recipients,
    list_changes,
    pattern_problem,
)

from .build import entry, snapshot


def corp() -> DirectoryRecipients:
    return directory_recipients([snapshot(
        entry("user", "Alice", "alice@example.test", "a.able@example.test"),
        entry("group", "Sales", "sales@example.test"),
        entry("contact", "Partner", "partner@example.test"),
    ), snapshot(entry("user", "Bob", "Bob@Other.Test"), connection_id="other")])


def test_every_address_of_users_groups_and_contacts_is_valid_and_compared_case_insensitively():
    policy = RecipientPolicy.build(True, corp(), ())
    for address in ("alice@example.test", "A.Able@EXAMPLE.test", "sales@example.test", "partner@example.test",
                    "bob@other.test", "<BOB@other.test>"):
        assert policy.accepts(address), address
    assert not policy.accepts("mallory@example.test")
    assert not policy.accepts("alice@other.test")  # the whole address, not the local part alone
    assert not policy.accepts("mallory@example.test.")  # the domain's final dot changes nothing
    assert policy.accepts('"alice"@example.test') and not policy.accepts('"mallory"@example.test')


def test_sub_addresses_are_accepted_when_the_base_address_is():
    policy = RecipientPolicy.build(True, corp(), ())
    assert policy.accepts("alice+invoices@example.test")
    assert not policy.accepts("mallory+x@example.test")


def test_postmaster_is_always_accepted_and_role_and_catch_all_patterns_apply():
    policy = RecipientPolicy.build(True, corp(), ("abuse@*", "*@other.test", "shared@example.test"))
    assert policy.accepts("postmaster@example.test") and policy.accepts("PostMaster@other.test")
    assert policy.accepts("abuse@example.test") and policy.accepts("anyone@other.test")
    assert policy.accepts("shared@example.test") and policy.accepts("shared+x@example.test")
    assert not policy.accepts("unknown@example.test")


def test_nothing_is_refused_when_off_never_synchronised_or_for_a_domain_the_directory_does_not_know():
    assert RecipientPolicy.build(False, corp(), ()).accepts("mallory@example.test")
    assert RecipientPolicy.build(True, DirectoryRecipients(), ()).accepts("mallory@example.test")
    no_users = directory_recipients([snapshot(entry("group", "Sales", "sales@example.test"))])
    assert RecipientPolicy.build(True, no_users, ()).accepts("mallory@example.test")
    assert RecipientPolicy.build(True, corp(), ()).accepts("anyone@routed-elsewhere.test")


@pytest.mark.parametrize("pattern", ["*@shared.example.org", "postmaster@*", "info@example.org", "a.b+c@x.example"])
def test_accepted_patterns(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", ["*@*", "example.org", "@example.org", "a@b@c.test", "a b@example.org",
                                     "*.example.org", "x@" + "a" * 400 + ".test", "a@exa mple.org", "a@-bad-.test",
                                     "a\r@example.org", "a@example.org\nb@x.test"])
def test_refused_patterns(pattern):
    assert pattern_problem(pattern)


def test_the_address_list_holds_accepted_domains_addresses_exact_patterns_and_role_addresses():
    members = address_list_members(corp(), ("abuse@*", "*@other.test", "shared@example.test", "x@elsewhere.test"),
                                   ["example.test", "Other.Test."])
    assert members == {"alice@example.test", "a.able@example.test", "sales@example.test", "partner@example.test",
                       "bob@other.test", "shared@example.test", "postmaster@example.test",
                       "postmaster@other.test", "abuse@example.test", "abuse@other.test"}


def test_list_changes_add_and_remove_but_never_remove_after_a_failed_sync_nor_empty_the_list():
    wanted, current = frozenset({"a@x.test", "b@x.test"}), frozenset({"B@x.test", "c@x.test"})
    changes = list_changes(wanted, current, may_remove=True)
    assert (changes.add, changes.remove, len(changes)) == (("a@x.test",), ("c@x.test",), 2)
    assert list_changes(wanted, current, may_remove=False).remove == ()
    assert len(list_changes(frozenset(), current, may_remove=True)) == 0


class _Store:
    """The two reads the cache makes, counted; a store that fails after its first answer."""

    def __init__(self) -> None:
        self.snapshots = {"corp": snapshot(entry("user", "Alice", "alice@example.test"))}
        self.generation = 1
        self.reads = 0
        self.broken = False

    def generations(self):
        self.reads += 1
        if self.broken:
            raise ConnectionError("the table is unreachable")
        return {c: self.generation for c in self.snapshots}

    def current(self, connection_id):
        return self.generation, self.snapshots[connection_id]


def test_the_cache_checks_the_store_every_few_seconds_and_keeps_the_last_good_set_when_it_cannot():
    from mailgate.directory.recipient_cache import RecipientCache

    now = [0.0]
    store = _Store()
    cache = RecipientCache(store, check_seconds=15, clock=lambda: now[0])
    assert cache.recipients().addresses == {"alice@example.test"}
    store.snapshots["corp"] = snapshot(entry("user", "Bob", "bob@example.test"))
    store.generation = 2
    now[0] = 10
    assert cache.recipients().addresses == {"alice@example.test"} and store.reads == 1  # not yet
    now[0] = 16
    assert cache.recipients().addresses == {"bob@example.test"}
    store.broken = True
    now[0] = 40
    assert cache.recipients().addresses == {"bob@example.test"}  # unreadable: the last good set stays
    cache.expire()
    store.broken = False
    assert cache.recipients().addresses == {"bob@example.test"} and store.reads == 4  # expire: asked at once
    assert RecipientCache(None).recipients().empty  # no directory: nothing to verify against
