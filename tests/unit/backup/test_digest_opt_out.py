"""A user's own digest opt-out: `digest: false` on their personal lists (PUT /lists/personal) is stored with
their lists, kept when the lists change without it, audited, and the digest job sends that address nothing
while the others still get theirs."""

from __future__ import annotations

import pytest

from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.personal_lists import DynamoPersonalLists
from mailgate.backup.digest import run_digest
from mailgate.rules.sender_lists import PersonalLists
from tests.unit.api.resolver import call, local_app
from tests.unit.backup.test_digest import NOW, Outbox, config, entry, ports

PERSONAL, OFFICER, ADMIN = "PersonalUser", "SecurityOfficer", "Administrator"
BOB, ANN = "bob@example.test", "ann@example.test"


@pytest.fixture
def stores(aws):
    resources.create_tables("events", "backup", "idem")
    resources.create_settings_table("settings")
    return DynamoBackupIndex("backup"), DynamoPersonalLists("settings")


def test_an_address_that_opted_out_gets_no_digest_and_the_others_do(stores):
    index, lists = stores
    index.put(entry(1, 1, recipients=(BOB, ANN)))
    lists.save(BOB, PersonalLists(), 0, "bob", "s-bob", "PUT /lists/personal", digest=False)
    outbox = Outbox()
    run = run_digest(config(), ports(index, outbox, wants_digest=lists.wants_digest), NOW)
    assert [to for _, to, _ in outbox.sent] == [ANN]
    assert run.sent == [ANN] and run.skipped == {BOB: "opted out themselves"}


def test_opting_in_again_brings_the_digest_back(stores):
    index, lists = stores
    index.put(entry(1, 1))
    lists.save(BOB, PersonalLists(), 0, "bob", "s-bob", "PUT /lists/personal", digest=False)
    lists.save(BOB, PersonalLists(), 1, "bob", "s-bob", "PUT /lists/personal", digest=True)
    outbox = Outbox()
    run_digest(config(), ports(index, outbox, wants_digest=lists.wants_digest), NOW)
    assert [to for _, to, _ in outbox.sent] == [BOB]


def test_the_opt_out_is_kept_when_the_lists_change_without_it(stores):
    _, lists = stores
    assert lists.get(BOB).digest is True  # never saved: the digest is on
    lists.save(BOB, PersonalLists(), 0, "bob", "s-bob", "PUT /lists/personal", digest=False)
    changed = lists.save(BOB, PersonalLists(allow=("friend@partner.test",)), 1, "bob", "s-bob", "allow sender")
    assert changed.digest is False and lists.get(BOB).digest is False
    assert lists.lists(BOB) == PersonalLists(allow=("friend@partner.test",))


def test_the_api_reads_changes_and_audits_the_users_choice(aws):
    app = local_app()
    status, mine = call(app, "GET", "/lists/personal", PERSONAL, email=BOB)
    assert (status, mine["digest"]) == (200, True)
    status, saved = call(app, "PUT", "/lists/personal", PERSONAL, {"version": 0, "digest": False}, email=BOB)
    assert (status, saved["digest"], saved["version"]) == (200, False, 1), saved
    status, kept = call(app, "PUT", "/lists/personal", PERSONAL, {"version": 1, "allow": ["news@shop.test"]}, email=BOB)
    assert (status, kept["digest"], kept["allow"]) == (200, False, ["news@shop.test"])
    status, seen = call(app, "GET", f"/lists/personal/{BOB}", OFFICER)
    assert (status, seen["digest"]) == (200, False)
    assert call(app, "PUT", "/lists/personal", PERSONAL, {"version": 2, "digest": "maybe"}, email=BOB)[0] == 422
    audit = call(app, "GET", "/audit", ADMIN)[1]
    changes = [c for e in audit["items"] if e["operation"] == "PUT /lists/personal" for c in e["changes"]]
    assert any(c["path"].endswith(".digest") for c in changes), changes
