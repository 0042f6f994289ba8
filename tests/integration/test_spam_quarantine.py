"""The Anti-Spam Quarantine through local mode with real SMTP: uncertain spam is held, scanned again when
the hold ends and only then delivered or held in Backup; beyond the quarantine's limits it is decided at once."""

from __future__ import annotations

import pytest

from mailgate.api.roles import Role
from mailgate.aws.quarantine_ledger import DynamoQuarantineLedger
from mailgate.local.gateway import BACKUP_TABLE
from tests.support.cognito import api
from tests.support.local_gateway import delivered, events, send, simple_message, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration

PITCH = ("CONGRATULATIONS! You have been selected for our limited offer: fasteners at a 70% discount, FREE\n"
         "shipping, no credit card required, 100% guaranteed. Click here and order now before this offer\n"
         "expires!!! Act now!\nTo be removed from our mailing list reply STOP.\n")


def quarantine_probable_spam(table):
    default = table["rules"][-1]
    default["modules"]["antispam"] = {
        "probable_threshold": 0.5, "spam_threshold": 1000.0,  # this pitch scores well above 0.5: probable spam
        "probable_spam": {"subject_tag": "[Probable spam]"},
        "quarantine": {"enabled": True, "hold_minutes": 45}}
    return table


def kinds(gateway, message_id: str) -> list[str]:
    return [e["kind"] for e in events(gateway, message_id)]


def test_uncertain_spam_is_held_then_rescanned_and_decided(gateway, restore_settings):
    put_section(gateway, "rules", quarantine_probable_spam)
    ledger = DynamoQuarantineLedger(BACKUP_TABLE)
    held_before = ledger.usage()[0]
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", "Fasteners, this week only", PITCH))
    held = wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "held"] or None)
    assert "held by the Anti-Spam Quarantine for 45 minutes" in held[0]["summary"]
    [request] = [r for r in gateway.rescans.pending() if r.message_id == message_id]
    assert request.recipients == ("bob@example.test",) and request.hold_minutes == 45
    assert ledger.usage()[0] == held_before + 1
    status, listing = api(gateway, "GET", "/spam-quarantine", role=Role.AUDITOR)
    assert status == 200 and listing["held_messages"] == held_before + 1
    [item] = [i for i in listing["items"] if i["message_id"] == message_id]
    assert (item["recipients"], item["rule"], item["due_at"]) == (["bob@example.test"], "Default", request.due_at)
    mine = api(gateway, "GET", "/spam-quarantine", role=Role.PERSONAL_USER)[1]["items"]  # bob's own
    assert [i["message_id"] for i in mine if i["message_id"] == message_id] == [message_id]
    assert not delivered(gateway, message_id) and "delivered" not in kinds(gateway, message_id)

    assert gateway.rescans.end_holds() >= 1  # the 45 minutes pass
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == ["bob@example.test"]
    assert copy["Subject"] == "[Probable spam] Fasteners, this week only"
    log = events(gateway, message_id)
    assert any(e["kind"] == "received" and "re-scanned after a hold of 45 minutes" in e["summary"] for e in log)
    final = [e["detail"]["decision"] for e in log if e["kind"] == "decision"][-1]
    assert final["action"] == "deliver"
    assert any("re-scan after the hold" in step for step in final["path"])
    assert wait_for(lambda: ledger.usage()[0] == held_before or None)  # its place is released
    assert not [i for i in api(gateway, "GET", "/spam-quarantine")[1]["items"] if i["message_id"] == message_id]


def test_beyond_the_limits_mail_is_decided_at_once(gateway, restore_settings):
    put_section(gateway, "rules", quarantine_probable_spam)
    put_section(gateway, "spam-quarantine", lambda limits: {**limits, "max_messages": 0})
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", "Fasteners again", PITCH))
    [(copy, _envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert copy["Subject"] == "[Probable spam] Fasteners again"
    assert "held" not in kinds(gateway, message_id)
    decision = [e["detail"]["decision"] for e in events(gateway, message_id) if e["kind"] == "decision"][-1]
    assert any("not held (the quarantine is full: " in step for step in decision["path"]), decision["path"]


def test_a_rescan_that_keeps_failing_ends_in_backup_and_gives_back_its_place(gateway, restore_settings,
                                                                               monkeypatch):
    from mailgate.local.functions import LocalLambdaContext, load_function
    from mailgate.wiring import scan
    from tests.integration.conftest import MAX_ATTEMPTS
    from tests.support.local_gateway import rules_record

    put_section(gateway, "rules", quarantine_probable_spam)
    ledger = DynamoQuarantineLedger(BACKUP_TABLE)
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", "Fasteners, last call", PITCH))
    wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "held"] or None)
    [request] = [r for r in gateway.rescans.pending() if r.message_id == message_id]
    held_now = ledger.usage()[0]

    def store_down(report, packed=None):
        raise OSError("the report store is unavailable")  # the re-scanned report cannot be kept, attempt after attempt

    monkeypatch.setattr(scan.service().reports, "put", store_down)
    record = rules_record(request.to_body(), MAX_ATTEMPTS, "rescan")
    reply = load_function("scan").handler({"Records": [record]}, LocalLambdaContext("mailgate-scan"))
    assert reply["batchItemFailures"] == []  # handled on the last attempt, not retried for ever
    monkeypatch.undo()
    assert ledger.usage()[0] == held_now - 1
    backup = [e for e in events(gateway, message_id) if e["kind"] == "backup"]
    assert backup and "the report store is unavailable" in backup[-1]["detail"]["error"]
    assert gateway.rescans.end_holds() >= 1  # the schedule still fires: decided then, not counted out twice
    wait_for(lambda: delivered(gateway, message_id))
    assert ledger.usage()[0] == held_now - 1


def test_a_held_message_pinned_from_the_exposure_search_ends_in_backup_whatever_its_rescan_finds(
        gateway, restore_settings):
    import secrets

    put_section(gateway, "rules", quarantine_probable_spam)
    ledger = DynamoQuarantineLedger(BACKUP_TABLE)
    sender = f"pitch-{secrets.token_hex(4)}@sender.test"
    message_id = send(gateway, sender, ["bob@example.test"],
                      simple_message(sender, "bob@example.test", "Fasteners, one more time", PITCH))
    wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "held"] or None)
    held_now = ledger.usage()[0]

    request = {"kind": "sender", "value": sender, "actions": ["hold_in_flight"]}
    status, done = api(gateway, "POST", "/exposure/actions", role=Role.SECURITY_OFFICER, body=request)
    assert status == 200, done
    [outcome] = done["outcomes"]
    assert (outcome["done"], outcome["count"]) == (True, 1), outcome
    status, audit = api(gateway, "GET", "/audit?limit=5")
    [entry] = [a for a in audit["items"] if f"hold_in_flight sender {sender}" in a["operation"]]
    assert [c["path"] for c in entry["changes"]] == [f'$.spam_quarantine.held["{message_id}"]']

    assert gateway.rescans.end_holds() >= 1  # the hold ends: the re-scan alone would deliver it (probable spam)
    backup = wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "backup"] or None)
    final = [e["detail"]["decision"] for e in events(gateway, message_id) if e["kind"] == "decision"][-1]
    assert (final["action"], final["backup"], final["rule"]) == ("delete", True, "exposure search")
    assert f"held from the exposure search for sender {sender}" in final["reason"]
    assert backup and not delivered(gateway, message_id)
    assert wait_for(lambda: ledger.usage()[0] == held_now - 1 or None)  # its place in the quarantine is given back
