"""The rules step's actions, one at a time, through `process_report` with the real adapters (moto in process
for S3 and DynamoDB, a real SMTP server as the destination): what each action delivers, records and keeps,
and the outcome it returns. The end-to-end tests cover the same through local mode; these name each action."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import msgspec
import pytest

from mailgate.actions.outcome import OutcomeStatus, delivery_failures
from mailgate.actions.processor import RulesPorts, process_report, run_directly
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.backup.keeper import BackupKeeper
from mailgate.config import DeliverySettings, GatewayConfig, Route, SmtpHost
from mailgate.delivery.smtp_relay import SmtpRelay
from mailgate.rules.table import RuleTable
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import Contribution, ScannerResult, ScanReport
from tests.support.smtp_servers import RecordingServer

RAW = (b"From: alice@partner.test\r\nTo: bob@example.test\r\nSubject: numbers\r\nMessage-ID: <1@partner.test>\r\n"
       b"\r\nThe quarterly numbers.\r\n")


@pytest.fixture
def destination() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


@pytest.fixture
def world(aws, destination: RecordingServer) -> dict[str, Any]:
    resources.create_bucket("mail")
    resources.create_tables("events", "backup", "idempotency")
    client("s3").put_object(Bucket="mail", Key="incoming/m1", Body=RAW)
    route = Route(hosts=(SmtpHost(host="127.0.0.1", port=destination.port),))
    config = GatewayConfig(domains={"example.test": route},
                           delivery=DeliverySettings(retry_base_seconds=0, max_attempts=2, connect_timeout_seconds=5))
    store = S3MailStore("mail")
    events = DynamoEventLog("events")
    backup_index = DynamoBackupIndex("backup")
    ports = RulesPorts(events=events, backup=BackupKeeper(store, backup_index),
                       deliverer_for=lambda r: SmtpRelay(r, config.delivery), bounce_sender=None,
                       execute_once=run_directly())
    return {"config": config, "ports": ports, "events": events, "backup": backup_index}


def report(*results: ScannerResult, recipients: tuple[str, ...] = ("bob@example.test",)) -> ScanReport:
    return ScanReport("m1", {"bucket": "mail", "key": "incoming/m1"},
                      Envelope("alice@partner.test", recipients, "198.51.100.7"), {"subject": "numbers"}, results)


def infected() -> ScannerResult:
    return ScannerResult("antivirus", "infected", 10.0, (Contribution("AV_INFECTED", 10.0, "EICAR"),),
                         {"threats": ["Eicar-Test-Signature"], "parts": [], "message": {"verdict": "infected"}})


def kinds(world: dict[str, Any]) -> list[str]:
    return [e.kind for e in world["events"].for_message("m1")]


def test_deliver_hands_the_copy_to_the_destination_and_says_so(world, destination) -> None:
    [outcome] = process_report(report(), RAW, "numbers", world["config"], world["ports"], final_attempt=False)
    assert outcome["status"] == OutcomeStatus.DELIVERED
    assert outcome["delivered"] == ["bob@example.test"]
    [copy] = destination.wait_for(1)
    assert b"The quarterly numbers." in copy.data and copy.rcpt_tos == ("bob@example.test",)
    assert kinds(world) == ["decision", "delivered"]
    assert next(e for e in world["events"].for_message("m1") if e.kind == "delivered").action == "deliver"


def test_an_infected_message_is_deleted_and_its_original_kept_in_backup(world, destination) -> None:
    [outcome] = process_report(report(infected()), RAW, "numbers", world["config"], world["ports"],
                               final_attempt=False)
    assert outcome["status"] == OutcomeStatus.DELETED
    assert outcome["backup_id"] and world["backup"].get(outcome["backup_id"]) is not None
    assert destination.messages == []
    assert kinds(world) == ["decision", "backup", "deleted"]


def test_a_destination_that_defers_is_retried_and_on_the_last_attempt_kept_in_backup(world, destination) -> None:
    destination.reply_to_data("451 4.3.0 try again later")
    with pytest.raises(Exception, match="deferred"):
        process_report(report(), RAW, "numbers", world["config"], world["ports"], final_attempt=False)
    [outcome] = process_report(report(), RAW, "numbers", world["config"], world["ports"], final_attempt=True)
    assert outcome["status"] == OutcomeStatus.BACKUP and outcome["backup_id"]
    assert delivery_failures([outcome]) == 1
    assert "deferred" in kinds(world)


def test_recipients_whose_rules_decide_differently_get_separate_copies(world, destination) -> None:
    table = msgspec.to_builtins(RuleTable())
    table["rules"] = [{"name": "Archive tag", "recipients": {"addresses": ["carol@example.test"]},
                       "mode": "skip", "bcc": []}, *table["rules"]]
    config = msgspec.convert({**msgspec.to_builtins(world["config"]), "rules": table}, GatewayConfig)
    outcomes = process_report(report(recipients=("bob@example.test", "carol@example.test")), RAW, "numbers",
                              config, replace(world["ports"]), final_attempt=False)
    assert sorted(tuple(o["recipients"]) for o in outcomes) == [("bob@example.test",), ("carol@example.test",)]
    assert {o["decision"]["rule"] for o in outcomes} == {"Archive tag", "Default"}
    assert sorted(m.rcpt_tos for m in destination.wait_for(2)) == [("bob@example.test",), ("carol@example.test",)]
