"""The Default rule of a fresh rule table: what an administrator expects before writing any rule."""

from email.message import EmailMessage

import msgspec

from mailgate.actions.grouping import group_recipients
from mailgate.config import ContentFilterSettings, GatewayConfig, parse_config
from mailgate.message import parse_message
from mailgate.message.model import Message
from mailgate.rules import current
from mailgate.rules.decision import DELETE, DELETE_ATTACHMENT, DELIVER, REJECT
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult, ScanReport
from mailgate.scanners.base import ScanContext
from mailgate.scanners.content_filter.scanner import ContentFilterScanner


def decide(report: ScanReport, recipient: str):
    return current.decide(report, recipient, GatewayConfig())

def report(verdict: str, dmarc: dict | None = None, recipients=("bob@example.test",)) -> ScanReport:
    auth = ScannerResult("authentication", verdict, details={"dmarc": dmarc or {}})
    return ScanReport("m1", {"bucket": "b", "key": "k"}, Envelope("", tuple(recipients)), {}, (auth,))


def test_dmarc_fail_with_reject_policy_is_rejected_and_kept():
    decision = decide(report("fail", {"result": "fail", "policy": "reject", "applied_policy": "reject",
                                      "from_domain": "bank.test"}), "bob@example.test")
    assert decision.action == REJECT
    assert decision.backup
    assert "bank.test" in decision.reason
    assert decision.module == "authentication"
    assert any("DMARC for bank.test" in step for step in decision.path)


def test_pct_sampling_that_softened_the_policy_is_respected():
    decision = decide(report("fail", {"result": "fail", "policy": "reject", "applied_policy": "quarantine"}),
                      "bob@example.test")
    assert decision.action == DELIVER


def test_temporary_dns_failures_and_scanner_errors_never_reject():
    assert decide(report("temperror", {"result": "temperror", "policy": "reject"}), "x@example.test").action \
        == DELIVER
    assert decide(report("error"), "x@example.test").action == DELIVER
    assert decide(report("none", {"result": "none"}), "x@example.test").action == DELIVER


def test_recipients_split_by_destination_and_share_a_copy_within_one():
    config = parse_config('{"domains": {"example.test": {"hosts": [{"host": "a"}]},'
                          ' "other.test": {"hosts": [{"host": "b"}]}}}')
    groups = group_recipients(report("pass", {"result": "pass"},
                                     ("a@example.test", "b@other.test", "c@example.test")), config)
    assert sorted(g.recipients for g in groups) == [("a@example.test", "c@example.test"), ("b@other.test",)]


def test_only_groups_held_after_failed_delivery_count_as_delivery_failures():
    from mailgate.actions.outcome import Outcome, delivery_failures

    outcomes = [Outcome.from_dict(o) for o in ({"status": "delivered"}, {"status": "backup", "backup_id": "x"},
                                               {"status": "backup", "error": "451 later"}, {"status": "rejected"})]
    assert delivery_failures(outcomes) == 1


# --- Anti-Virus and Content Filtering in the Default rule ------------------------------------------

EICAR_NAME = "Eicar-Signature"


def with_results(*results: ScannerResult, recipients=("bob@example.test",)) -> ScanReport:
    return ScanReport("m1", {"bucket": "b", "key": "k"}, Envelope("", tuple(recipients)), {}, results)


def antivirus(verdict: str, parts=(), on_infected="backup", removable=False, message_reason=None) -> ScannerResult:
    threats = sorted({t for p in parts for t in p.get("threats", ())})
    return ScannerResult("antivirus", verdict, details={
        "threats": threats, "parts": list(parts), "removable": removable, "on_infected": on_infected,
        "message": {"part_path": "message", "filename": None, "verdict": verdict, "threats": threats,
                    "reason": message_reason}})


def infected_part(path="2", filename="eicar.com"):
    return {"part_path": path, "filename": filename, "verdict": "infected", "threats": [EICAR_NAME],
            "reason": f"AV_INFECTED: {EICAR_NAME}"}


def test_an_infected_message_is_held_in_backup_and_not_delivered():
    decision = decide(with_results(antivirus("infected", [infected_part()])), "bob@example.test")
    assert (decision.action, decision.backup, decision.module) == (DELETE, True, "antivirus")
    assert EICAR_NAME in decision.reason
    assert decision.removals == ()


def test_infected_attachments_are_removed_when_the_administrator_chose_so_and_only_they_carry_threats():
    decision = decide(with_results(antivirus("infected", [infected_part("3", "tool.exe")],
                                             on_infected="remove_parts", removable=True)), "bob@example.test")
    assert (decision.action, decision.backup) == (DELETE_ATTACHMENT, True)
    assert [(r.part_path, r.filename) for r in decision.removals] == [("3", "tool.exe")]
    assert EICAR_NAME in decision.removals[0].reason


def test_a_threat_outside_the_attachments_keeps_the_whole_message_in_backup_even_with_remove_parts():
    decision = decide(with_results(antivirus("infected", [infected_part()], on_infected="remove_parts",
                                             removable=False)), "bob@example.test")
    assert (decision.action, decision.backup) == (DELETE, True)


def test_unscannable_and_failed_scans_are_never_delivered_as_clean():
    encrypted = antivirus("unscannable", message_reason="AV_ENCRYPTED: Heuristics.Encrypted.Zip")
    unscannable = decide(with_results(encrypted), "bob@example.test")
    assert (unscannable.action, unscannable.backup, unscannable.verdict_class) == (DELETE, True, "unscannable")
    assert "Encrypted" in unscannable.reason
    failed = decide(with_results(antivirus("error", message_reason="AV_ENGINE_DOWN: connection refused")),
                    "bob@example.test")
    assert (failed.action, failed.backup, failed.verdict_class) == (DELETE, True, "error")
    assert "connection refused" in failed.reason


def test_a_skipped_or_clean_scan_changes_nothing():
    for verdict in ("skipped", "clean"):
        assert decide(with_results(antivirus(verdict)), "bob@example.test").action == DELIVER


def exe_message() -> tuple[bytes, Message]:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", "bob@example.test", "invoice"
    msg.set_content("see attached\n")
    msg.add_attachment(b"MZ\x90\x00" + bytes(200), maintype="application", subtype="octet-stream",
                       filename="invoice.pdf.exe")
    raw = msg.as_bytes()
    return raw, parse_message(raw)


def content_filter_result(settings: ContentFilterSettings | None = None, recipients=("bob@example.test",)):
    _raw, message = exe_message()
    envelope = Envelope("a@sender.test", tuple(recipients), "192.0.2.1", "client.test")
    return ContentFilterScanner(settings).scan(message, ScanContext(envelope, "mx.example.test", ()))


def test_the_default_content_filter_removes_a_disguised_program_and_keeps_the_original():
    decision = decide(with_results(content_filter_result()), "bob@example.test")
    assert (decision.action, decision.backup, decision.module) == (DELETE_ATTACHMENT, True, "content_filter")
    assert [(r.part_path, r.filename) for r in decision.removals] == [("2", "invoice.pdf.exe")]
    assert "Executables and scripts" in decision.removals[0].reason
    assert "Double extension" in decision.reason


def expression(name: str, action: str, **extra) -> dict:
    return {"name": name, "action": action, **extra,
            "conditions": [{"attribute": "attachment_name", "operator": "wildcard", "value": "*.exe"}]}


def settings(*expressions: dict) -> ContentFilterSettings:
    return msgspec.convert({"expressions": list(expressions), "dictionaries": []}, ContentFilterSettings)


def test_the_strictest_action_wins_and_backup_and_header_changes_accumulate():
    cf = content_filter_result(settings(
        expression("tag", "skip", set_headers={"X-Exe-Seen": "yes"}, remove_headers=["X-Old"]),
        expression("hold", "delete_message", backup=True),
        expression("strip", "delete_attachment")))
    decision = decide(with_results(cf), "bob@example.test")
    assert (decision.action, decision.backup) == (DELETE, True)
    assert decision.removals == ()
    assert decision.set_headers == (("X-Exe-Seen", "yes"),)
    assert decision.remove_headers == ("x-old",)


def test_dmarc_reject_is_stricter_than_removing_an_attachment_and_both_are_explained():
    auth = ScannerResult("authentication", "fail", details={"dmarc": {
        "result": "fail", "policy": "reject", "applied_policy": "reject", "from_domain": "bank.test"}})
    decision = decide(with_results(auth, content_filter_result()), "bob@example.test")
    assert (decision.action, decision.module, decision.backup) == (REJECT, "authentication", True)
    assert any("authentication reject" in step and "content_filter delete_attachment" in step
               for step in decision.path)


def test_an_expression_on_one_recipient_splits_the_recipients_into_two_copies():
    only_bob = {"name": "bob gets no programs", "action": "delete_attachment", "match": "all", "conditions": [
        {"attribute": "attachment_name", "operator": "wildcard", "value": "*.exe"},
        {"attribute": "recipient", "operator": "equals", "value": "bob@example.test"}]}
    recipients = ("bob@example.test", "carol@example.test")
    cf = content_filter_result(settings(only_bob), recipients)
    report_ = with_results(cf, recipients=recipients)
    config = parse_config('{"domains": {"example.test": {"hosts": [{"host": "a"}]}}}')
    groups = {g.recipients: g.decision.action for g in group_recipients(report_, config)}
    assert groups == {("bob@example.test",): DELETE_ATTACHMENT, ("carol@example.test",): DELIVER}
