"""Trying a rule table before saving it, and filling a rule's conditions from an exported list: through the
local gateway's admin API (with real SMTP, clamd and Backup) and the `mailgate explain` command."""

from __future__ import annotations

import base64
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailgate.api.roles import Role
from mailgate.wiring import process
from tests.support.cli import run_mailgate
from tests.support.cognito import api
from tests.support.local_gateway import delivered, events, outcomes, send, simple_message, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(300)


def infected(to: str) -> bytes:
    from mailgate.scanners.antivirus.database import EICAR

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@sender.test", to, "quarterly figures"
    msg.set_content("see attached\n")
    msg.add_attachment(EICAR, maintype="text", subtype="plain", filename="figures.txt")
    return msg.as_bytes(policy=email.policy.SMTP)


def side_effects(gateway, message_id: str) -> tuple[object, ...]:
    """What a dry run must leave alone: the message's events, the event log, Backup, the delivered mail."""
    return (events(gateway, message_id), api(gateway, "GET", "/events?limit=1000")[1]["events"],
            api(gateway, "GET", "/backup?limit=500")[1]["items"],
            sorted(p.name for p in Path(gateway.delivered_dir).iterdir()))


def test_a_logged_message_is_decided_again_by_a_proposed_table_without_any_side_effect(gateway, restore_settings):
    recipients = ["finance@example.test", "bob@example.test"]
    message_id = send(gateway, "alice@sender.test", recipients, infected(", ".join(recipients)))
    outcomes(gateway, message_id, recipients=2)
    wait_for(lambda: any(b["message_id"] == message_id for b in api(gateway, "GET", "/backup?limit=500")[1]["items"]))
    before = side_effects(gateway, message_id)

    status, current = api(gateway, "GET", "/settings/rules")
    proposed = json.loads(json.dumps(current["settings"]))
    proposed["rules"].insert(0, {"name": "Finance", "recipients": {"addresses": ["finance@example.test"]},
                                 "modules": {"antivirus": {"infected": {"action": "reject", "backup": True}}}})
    status, tried = api(gateway, "POST", "/rules/dry-run", Role.SECURITY_OFFICER,
                        body={"message_id": message_id, "rules": proposed})
    assert status == 200, tried
    assert tried["table"] == "proposed"
    assert tried["verdicts"]["antivirus"]["verdict"] == "infected"  # clamd's verdict, from the stored report
    by_recipient = {r: g["decision"] for g in tried["groups"] for r in g["recipients"]}
    assert set(by_recipient) == set(recipients)
    finance, bob = by_recipient["finance@example.test"], by_recipient["bob@example.test"]
    assert (finance["rule"], finance["action"], finance["backup"]) == ("Finance", "reject", True)
    assert any("matched rule 'Finance'" in step for step in finance["path"])
    assert bob["rule"] == "Default" and bob["action"] != "deliver"

    status, uploaded = api(gateway, "POST", "/rules/dry-run", Role.ADMINISTRATOR,
                           body={"message": base64.b64encode(infected("bob@example.test")).decode()})
    assert status == 200, uploaded
    assert uploaded["table"] == "current"
    assert uploaded["verdicts"]["antivirus"]["verdict"] == "skipped"  # no clamd in the API function
    assert any("Anti-Virus does not run" in note for note in uploaded["notes"])
    assert [g["recipients"] for g in uploaded["groups"]] == [["bob@example.test"]]

    assert api(gateway, "POST", "/rules/dry-run", Role.AUDITOR, body={"message_id": message_id})[0] == 403
    assert side_effects(gateway, message_id) == before  # nothing logged, kept in Backup or delivered
    assert api(gateway, "GET", "/settings/rules")[1] == current  # the proposed table was not saved


def test_an_exported_list_of_senders_fills_a_rule_that_then_decides_mail(gateway, restore_settings):
    def blocked_rule(table):
        blocked = {"name": "Blocked", "mode": "reject", "senders": {"addresses": ["old@former-partner.test"]}}
        table["rules"].insert(0, blocked)
        return table

    put_section(gateway, "rules", blocked_rule)
    version = api(gateway, "GET", "/settings/rules")[1]["version"]
    export = ("\ufeff# exported from the old gateway\r\n@sender.test\r\n198.51.100.0/24\r\n\r\n"
              "old@former-partner.test\r\n")

    status, refused = api(gateway, "POST", "/settings/rules/Blocked/import",
                          body={"version": version, "side": "senders", "text": export + "not an address\r\n"})
    assert status == 422 and [p["path"] for p in refused["problems"]] == ["body.text:line 6"]
    assert api(gateway, "POST", "/settings/rules/Blocked/import", Role.SECURITY_OFFICER,
               body={"version": version, "side": "senders", "text": export})[0] == 403

    status, imported = api(gateway, "POST", "/settings/rules/Blocked/import",
                           body={"version": version, "side": "senders", "text": export})
    assert status == 200, imported
    assert imported["version"] == version + 1 and imported["imported"] == 3
    assert imported["rule"]["senders"]["addresses"] == ["old@former-partner.test"]
    assert (imported["rule"]["senders"]["domains"], imported["rule"]["senders"]["networks"]) == (
        ["sender.test"], ["198.51.100.0/24"])
    assert api(gateway, "POST", "/settings/rules/Blocked/import",
               body={"version": version, "side": "senders", "text": export})[0] == 409

    status, audit = api(gateway, "GET", "/audit?limit=1", Role.AUDITOR)
    [entry] = audit["items"]
    assert entry["operation"] == "POST /settings/rules/Blocked/import"
    assert entry["actor"] == "admin <admin@mailgate.local>"
    [change] = entry["changes"]  # arrays are audited whole: the rule as it was and as it is now
    assert change["path"] == "$.rules.rules"
    assert change["before"][0]["senders"]["domains"] == [] and change["after"][0]["senders"]["domains"] == [
        "sender.test"]

    process.reset()  # the in-process functions take the new version at once, not after the 30 s re-read
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", "still in business?"))
    [outcome] = outcomes(gateway, message_id)
    assert outcome["kind"] == "rejected"
    [decision] = [e["detail"]["decision"] for e in events(gateway, message_id) if e["kind"] == "decision"]
    assert decision["rule"] == "Blocked"
    assert not delivered(gateway, message_id)


def test_explain_json_compares_a_proposed_table_with_the_current_one(tmp_path):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", "finance@example.test, bob@example.test", "tools"
    msg.set_content("the tool you asked for\n")
    msg.add_attachment(PROGRAM, maintype="application", subtype="octet-stream", filename="setup.exe")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "tools.eml").write_bytes(msg.as_bytes())
    (tmp_path / "mail" / "notes.txt").write_text("just some words, not mail\n")
    proposed = {"rules": [{"name": "Finance", "mode": "reject", "recipients": {"addresses": ["finance@example.test"]}},
                          {"name": "Default"}]}
    (tmp_path / "rules.json").write_text(json.dumps(proposed))

    result = run_mailgate("explain", "--json", "--no-network", "--rules", str(tmp_path / "rules.json"),
                          str(tmp_path / "mail"))
    assert result.returncode == 2, result.stderr  # one of the files is not mail: exit 2 (README, CLI exit codes)
    not_mail, tools = (json.loads(line) for line in result.stdout.splitlines())
    assert not_mail["file"].endswith("notes.txt") and "header" in not_mail["error"]
    assert tools["table"] == "proposed" and tools["verdicts"]["antivirus"]["verdict"] == "skipped"
    decisions = {tuple(g["recipients"]): g["decision"] for g in tools["groups"]}
    assert (decisions[("finance@example.test",)]["rule"], decisions[("finance@example.test",)]["action"]) == (
        "Finance", "reject")
    assert decisions[("bob@example.test",)]["action"] == "delete_attachment"
    assert any(r["filename"] == "setup.exe" for r in decisions[("bob@example.test",)]["removals"])

    current = run_mailgate("explain", "--json", "--no-network", str(tmp_path / "mail" / "tools.eml"))
    assert current.returncode == 1, current.stderr  # exit 1: an attachment is removed (a finding)
    [line] = [json.loads(line) for line in current.stdout.splitlines()]
    assert line["table"] == "current"
    [group] = line["groups"]
    assert group["recipients"] == ["finance@example.test", "bob@example.test"]
    assert group["decision"]["action"] == "delete_attachment"
