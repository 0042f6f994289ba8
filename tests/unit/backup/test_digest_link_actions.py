"""What a digest link does when confirmed (mailgate.backup.link_actions), with the real Backup table and ledger
(moto): a delivery that fails leaves the link working; a link cannot release what users may not release; a
sender the allow list cannot take is not added (and the page does not claim it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.link_ledger import DynamoLinkLedger
from mailgate.backup.link_actions import Done, LinkPorts, use
from mailgate.backup.links import LinkAction, LinkSigner, LinkStatus
from mailgate.backup.model import BackupRecord
from mailgate.backup.releasing import ReleasePorts
from mailgate.config import parse_config
from mailgate.delivery.base import DeliveryResult
from mailgate.delivery.errors import TemporaryDeliveryError

BOB = "bob@example.test"
CONFIG = parse_config(json.dumps({"domains": {"example.test": {"hosts": [{"host": "127.0.0.1"}]}}}))
RAW = b"From: news@bulk.test\r\nTo: bob@example.test\r\nSubject: offer\r\n\r\nhello\r\n"


class Downstream:
    """The organisation's mail server: down until `up` is set."""

    def __init__(self) -> None:
        self.up = False
        self.received: list[tuple[str, tuple[str, ...]]] = []

    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        if not self.up:
            raise TemporaryDeliveryError("connection refused")
        self.received.append((mail_from, tuple(recipients)))
        return DeliveryResult("127.0.0.1", 25, False, tuple(recipients), reply="250 ok")


def once(key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return action()


@pytest.fixture
def setup(aws):
    resources.create_tables("events", "backup", "idem")
    index = DynamoBackupIndex("backup")
    downstream = Downstream()
    allowed: list[tuple[str, str]] = []
    releasing = ReleasePorts(read_original=lambda key: RAW, deliverer_for=lambda route: downstream,
                             execute_once=once, index=index, events=DynamoEventLog("events"))
    ports = LinkPorts(signer=LinkSigner(["k" * 40]), used=DynamoLinkLedger("backup"), index=index,
                      releasing=lambda: releasing,
                      allow_sender=lambda to, sender, who: "@" in sender and not allowed.append((to, sender)))
    return index, downstream, allowed, ports


def held(index: DynamoBackupIndex, sender: str = "news@bulk.test", **fields: Any) -> BackupRecord:
    record = BackupRecord(backup_id="m1.abc", message_id="m1", recipients=(BOB,), sender=sender, subject="offer",
                          reason="spam", object_key="backup/m1.abc.eml", held_by=fields.pop("held_by", "antispam"),
                          **fields)
    index.put(record)
    return record


def test_a_failed_delivery_leaves_the_link_working(setup):
    index, downstream, _allowed, ports = setup
    held(index)
    token = ports.signer.sign("m1.abc", BOB, LinkAction.RELEASE)
    first = use(ports, CONFIG, token)
    assert (first.status, first.done) == (LinkStatus.VALID, Done.FAILED) and downstream.received == []
    downstream.up = True
    second = use(ports, CONFIG, token)
    assert (second.status, second.done) == (LinkStatus.VALID, Done.RELEASED)
    assert downstream.received == [("news@bulk.test", (BOB,))]
    assert use(ports, CONFIG, token).status == LinkStatus.USED


def test_a_link_never_releases_what_users_may_not_release(setup):
    index, downstream, _allowed, ports = setup
    downstream.up = True
    held(index, held_by="antivirus", verdicts={"antivirus": "infected"})
    outcome = use(ports, CONFIG, ports.signer.sign("m1.abc", BOB, LinkAction.RELEASE))
    assert outcome.done == Done.NOT_ALLOWED and downstream.received == []


def test_release_and_allow_adds_the_sender_only_when_the_list_can_take_it(setup):
    index, downstream, allowed, ports = setup
    downstream.up = True
    held(index, sender="<>bad")
    outcome = use(ports, CONFIG, ports.signer.sign("m1.abc", BOB, LinkAction.RELEASE_ALLOW_SENDER))
    assert outcome.done == Done.RELEASED and not outcome.allowed_sender and allowed == []
