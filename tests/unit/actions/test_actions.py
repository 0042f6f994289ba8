"""The rules step's actions, one at a time, through `process_report` with the real adapters (moto in process
for S3 and DynamoDB, a real SMTP server as the destination): what each action delivers, records and keeps,
and the outcome it returns. The end-to-end tests cover the same through local mode; these name each action."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import msgspec
import pytest

from mailgate.actions.context import RulesPorts
from mailgate.actions.grouping import MAX_RECIPIENTS_PER_COPY, group_recipients
from mailgate.actions.outcome import Outcome, OutcomeStatus, delivery_failures
from mailgate.actions.processor import process_report, run_directly
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
    assert outcome.status == OutcomeStatus.DELIVERED
    assert outcome.delivered == ("bob@example.test",)
    [copy] = destination.wait_for(1)
    assert b"The quarterly numbers." in copy.data and copy.rcpt_tos == ("bob@example.test",)
    assert kinds(world) == ["decision", "delivered"]
    assert next(e for e in world["events"].for_message("m1") if e.kind == "delivered").action == "deliver"


def test_an_infected_message_is_deleted_and_its_original_kept_in_backup(world, destination) -> None:
    [outcome] = process_report(report(infected()), RAW, "numbers", world["config"], world["ports"],
                               final_attempt=False)
    assert outcome.status == OutcomeStatus.DELETED
    assert outcome.backup_id and world["backup"].get(outcome.backup_id) is not None
    assert destination.messages == []
    assert kinds(world) == ["decision", "backup", "deleted"]


def test_a_destination_that_defers_is_retried_and_on_the_last_attempt_kept_in_backup(world, destination) -> None:
    destination.reply_to_data("451 4.3.0 try again later")
    with pytest.raises(Exception, match="deferred"):
        process_report(report(), RAW, "numbers", world["config"], world["ports"], final_attempt=False)
    [outcome] = process_report(report(), RAW, "numbers", world["config"], world["ports"], final_attempt=True)
    assert outcome.status == OutcomeStatus.BACKUP and outcome.backup_id
    assert delivery_failures([outcome]) == 1
    assert "deferred" in kinds(world)


def test_recipients_whose_rules_decide_differently_get_separate_copies(world, destination) -> None:
    table = msgspec.to_builtins(RuleTable())
    table["rules"] = [{"name": "Archive tag", "recipients": {"addresses": ["carol@example.test"]},
                       "mode": "skip", "bcc": []}, *table["rules"]]
    config = msgspec.convert({**msgspec.to_builtins(world["config"]), "rules": table}, GatewayConfig)
    outcomes = process_report(report(recipients=("bob@example.test", "carol@example.test")), RAW, "numbers",
                              config, replace(world["ports"]), final_attempt=False)
    assert sorted(o.recipients for o in outcomes) == [("bob@example.test",), ("carol@example.test",)]
    assert {o.decision["rule"] for o in outcomes if o.decision} == {"Archive tag", "Default"}
    assert sorted(m.rcpt_tos for m in destination.wait_for(2)) == [("bob@example.test",), ("carol@example.test",)]


def table_with(*rules: dict[str, Any]) -> dict[str, Any]:
    table = msgspec.to_builtins(RuleTable())
    table["rules"] = [*rules, *table["rules"]]
    return table


def with_rules(world: dict[str, Any], *rules: dict[str, Any]) -> GatewayConfig:
    return msgspec.convert({**msgspec.to_builtins(world["config"]), "rules": table_with(*rules)}, GatewayConfig)


def test_recipients_with_one_decision_share_copies_of_at_most_fifty_recipients(world) -> None:
    recipients = tuple(f"user{i:03d}@example.test" for i in range(120))
    groups = group_recipients(report(recipients=recipients), world["config"])
    assert [len(g.recipients) for g in groups] == [MAX_RECIPIENTS_PER_COPY, MAX_RECIPIENTS_PER_COPY, 20]
    assert [r for g in groups for r in g.recipients] == list(recipients)  # each once, in envelope order


def test_recipients_with_one_decision_but_two_destinations_get_a_copy_each(world, destination) -> None:
    other = Route(hosts=(SmtpHost(host="127.0.0.1", port=destination.port + 1),))
    config = msgspec.structs.replace(world["config"], domains={**world["config"].domains, "branch.test": other})
    groups = group_recipients(report(recipients=("bob@example.test", "eve@branch.test", "ann@example.test")), config)
    assert sorted(g.recipients for g in groups) == [("bob@example.test", "ann@example.test"), ("eve@branch.test",)]


def test_a_recipient_outside_the_accepted_domains_is_rejected_without_a_bounce_sender(world, destination) -> None:
    [outcome] = process_report(report(recipients=("mallory@elsewhere.test",)), RAW, "numbers", world["config"],
                               world["ports"], final_attempt=False)
    assert (outcome.status, outcome.bounced) == (OutcomeStatus.REJECTED, False)
    assert "not accepted" in (outcome.reason or "")
    assert destination.messages == [] and kinds(world) == ["decision", "rejected"]


def test_a_rule_that_rejects_bounces_to_an_authenticated_sender(world, destination) -> None:
    with RecordingServer() as bounces:
        sender_route = Route(hosts=(SmtpHost(host="127.0.0.1", port=bounces.port),))
        ports = replace(world["ports"], bounce_sender=SmtpRelay(sender_route, world["config"].delivery))
        config = with_rules(world, {"name": "Refuse", "mode": "reject", "bcc": []})
        authenticated = ScannerResult("authentication", "pass", 0.0, (),
                                      {"spf": {"result": "pass", "identity": "mailfrom", "domain": "partner.test"}})
        [outcome] = process_report(report(authenticated), RAW, "numbers", config, ports, final_attempt=False)
        assert (outcome.status, outcome.bounced) == (OutcomeStatus.REJECTED, True)
        [bounce] = bounces.wait_for(1)
    assert bounce.mail_from == "<>" and bounce.rcpt_tos == ("alice@partner.test",)  # from the null sender
    assert destination.messages == []


def test_a_server_that_refuses_one_recipient_for_now_gets_it_again_in_a_group_of_its_own(world, destination) -> None:
    destination.reply_to_rcpt("carol@example.test", "450 4.2.1 mailbox busy")
    outcomes = process_report(report(recipients=("bob@example.test", "carol@example.test")), RAW, "numbers",
                              world["config"], world["ports"], final_attempt=True)
    first, retried = outcomes
    assert (first.status, first.delivered, first.retry_recipients) == (
        OutcomeStatus.DELIVERED, ("bob@example.test",), ("carol@example.test",))
    assert retried.recipients == ("carol@example.test",)
    # still busy on the last attempt: carol's original is kept in Backup, not dropped
    assert retried.status == OutcomeStatus.BACKUP and retried.backup_id and "busy" in (retried.error or "")
    assert [m.rcpt_tos for m in destination.wait_for(1)] == [("bob@example.test",)]


def test_a_hold_without_a_quarantine_is_decided_at_once(world, destination) -> None:
    spam = ScannerResult("antispam", "probable_spam", 6.0, (Contribution("BAYES_80", 6.0, "words"),),
                         {"thresholds": {"spam": 8.0, "probable_spam": 5.0}})
    config = with_rules(world, {"name": "Quarantine", "mode": "scan", "bcc": [], "modules": {"antispam": {
        "quarantine": {"enabled": True, "hold_minutes": 30}}}})
    [outcome] = process_report(report(spam), RAW, "numbers", config, world["ports"], final_attempt=False)
    assert outcome.status == OutcomeStatus.DECIDED
    assert outcome.not_held == "the quarantine is not available in this deployment"
    [decided] = outcome.outcomes
    assert decided.recipients == ("bob@example.test",) and decided.status == OutcomeStatus.DELIVERED


def test_an_outcome_reads_back_from_its_stored_form(world, destination) -> None:
    [outcome] = process_report(report(infected()), RAW, "numbers", world["config"], world["ports"],
                               final_attempt=False)
    stored = json.loads(json.dumps(outcome.to_dict()))  # as the idempotency record keeps it
    assert Outcome.from_dict(stored) == outcome
    assert stored["status"] == "deleted" and "delivered" not in stored  # only the fields its status uses
