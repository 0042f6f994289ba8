"""The digest's signed single-use links: a link works for what it names, once; a rotated-out key, a changed
character, an expired or a used link each get their own plain answer. The used-once ledger is the real
DynamoDB adapter (moto)."""

from __future__ import annotations

import json
import time

import pytest

from mailgate.aws import resources
from mailgate.aws.link_ledger import DynamoLinkLedger
from mailgate.backup.links import (
    LinkAction,
    LinkKeyError,
    LinkSigner,
    LinkStatus,
    parse_keys,
    verify,
)
from mailgate.backup.model import BackupRecord

OLD, NEW = "o" * 40, "n" * 40
ENTRY = BackupRecord(backup_id="m1.abc", message_id="m1", recipients=("Bob@example.test", "carol@example.test"),
                     sender="spam@bulk.test", subject="offer", reason="spam", object_key="backup/m1.abc.eml")


@pytest.fixture
def ledger(aws):
    resources.create_tables("events", "backup", "idem")
    return DynamoLinkLedger("backup")


def test_a_fresh_link_names_the_entry_the_recipient_and_the_action(ledger):
    signer = LinkSigner([NEW])
    token = signer.sign("m1.abc", "bob@example.test", LinkAction.RELEASE)
    found = verify(signer, token, ledger, ENTRY)
    assert found.status == LinkStatus.VALID
    assert (found.link.backup_id, found.link.recipient, found.link.action) == (
        "m1.abc", "bob@example.test", LinkAction.RELEASE)


def test_a_link_signed_before_a_rotation_works_while_the_old_key_is_listed(ledger):
    before = LinkSigner([OLD]).sign("m1.abc", "bob@example.test", LinkAction.RELEASE)
    assert verify(LinkSigner([OLD, NEW]), before, ledger, ENTRY).status == LinkStatus.VALID
    assert verify(LinkSigner([NEW]), before, ledger, ENTRY).status == LinkStatus.TAMPERED  # old key removed


def test_after_a_rotation_new_links_are_signed_with_the_newest_key(ledger):
    after = LinkSigner([OLD, NEW]).sign("m1.abc", "bob@example.test", LinkAction.RELEASE)
    assert verify(LinkSigner([NEW]), after, ledger, ENTRY).status == LinkStatus.VALID
    assert verify(LinkSigner([OLD]), after, ledger, ENTRY).status == LinkStatus.TAMPERED


def test_a_changed_character_is_tampered(ledger):
    signer = LinkSigner([NEW])
    token = signer.sign("m1.abc", "bob@example.test", LinkAction.RELEASE)
    changed = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    assert verify(signer, changed, ledger, ENTRY).status == LinkStatus.TAMPERED
    assert verify(signer, "", ledger, ENTRY).status == LinkStatus.TAMPERED
    assert verify(signer, "x" * 5000, ledger, ENTRY).status == LinkStatus.TAMPERED


def test_a_link_past_its_days_has_expired(ledger, monkeypatch):
    signer = LinkSigner([NEW], days=7)
    token = signer.sign("m1.abc", "bob@example.test", LinkAction.RELEASE)
    later = time.time() + 7 * 86400 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert verify(signer, token, ledger, ENTRY).status == LinkStatus.EXPIRED


def test_a_link_works_once(ledger):
    signer = LinkSigner([NEW])
    token = signer.sign("m1.abc", "bob@example.test", LinkAction.RELEASE_ALLOW_SENDER)
    link = verify(signer, token, ledger, ENTRY).link
    assert ledger.use(link.nonce, signer.expires_at(token), "release_allow_sender")
    assert not ledger.use(link.nonce, signer.expires_at(token), "release_allow_sender")  # a double click
    assert verify(signer, token, ledger, ENTRY).status == LinkStatus.USED


def test_a_link_for_someone_the_entry_does_not_list_is_not_yours(ledger):
    signer = LinkSigner([NEW])
    token = signer.sign("m1.abc", "mallory@example.test", LinkAction.RELEASE)
    assert verify(signer, token, ledger, ENTRY).status == LinkStatus.NOT_YOURS
    assert verify(signer, token, ledger, None).status == LinkStatus.NOT_YOURS  # the entry is gone


def test_the_secret_holds_a_list_oldest_first_or_the_generated_single_key():
    assert parse_keys(json.dumps({"keys": [OLD, NEW]})) == (OLD, NEW)
    assert parse_keys(json.dumps({"key": NEW})) == (NEW,)
    for bad in ("not json", json.dumps({"keys": []}), json.dumps({"keys": ["short"]})):
        with pytest.raises(LinkKeyError):
            parse_keys(bad)
