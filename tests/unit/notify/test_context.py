"""What a notification says about a message comes from the ScanReport and the rules step's decision."""

from email.message import EmailMessage

import msgspec

from mailgate.message import parse_message
from mailgate.notify.context import PartInfo, context_from
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult, ScanReport
from mailgate.scanners.base import ScanContext
from mailgate.scanners.content_filter.scanner import ContentFilterScanner
from tests.unit.core.test_default_policy import decide

ENVELOPE = Envelope("eve@sender.test", ("bob@example.test", "carol@example.test"), "192.0.2.7", "client.test",
                    received_at="2026-11-28T09:15:00+00:00")


def message_with(*attachments: tuple[str, bytes]) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "eve@sender.test", "bob@example.test", "Invoice"
    msg["Message-ID"] = "<inv.7@sender.test>"
    msg.set_content("see attached\n")
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg.as_bytes()


def antivirus_infected(part_path: str, filename: str, threat: str) -> ScannerResult:
    """The details the Anti-Virus scanner writes for one infected attachment (see its `_details`)."""
    part = {"part_path": part_path, "filename": filename, "verdict": "infected", "threats": [threat],
            "reason": f"AV_INFECTED: {threat} in part {part_path} ({filename})"}
    return ScannerResult("antivirus", "infected", details={
        "threats": [threat], "pua": [], "parts": [part], "parts_count": 1, "removable": True,
        "on_infected": "remove_parts",
        "message": {"part_path": "message", "filename": None, "verdict": "infected", "threats": [threat],
                    "reason": None}})


def report_for(raw: bytes, *results: ScannerResult) -> ScanReport:
    return ScanReport("gw-123", {"bucket": "b", "key": "k"}, ENVELOPE, parse_message(raw).facts(), results)


def test_an_infected_attachment_is_listed_with_its_threat_size_and_the_action():
    raw = message_with(("eicar.com", b"X5O!P%@AP" + bytes(59)))
    report = report_for(raw, antivirus_infected("2", "eicar.com", "Eicar-Test-Signature"))
    decision = decide(report, "bob@example.test")
    outcome = {"recipients": ["bob@example.test"], "decision": decision.to_dict(), "backup_id": "bk-1"}
    context = context_from(report, outcome, "Invoice", "<inv.7@sender.test>")
    assert context.parts == (PartInfo("eicar.com", 68, "infected: Eicar-Test-Signature"),)
    assert context.action == "delivered without the affected attachments, the original is held in Backup"
    assert (context.sender, context.sender_ip, context.message_id, context.backup_id) == (
        "eve@sender.test", "192.0.2.7", "gw-123", "bk-1")
    assert context.all_recipients == ("bob@example.test", "carol@example.test")
    assert context.affected_recipients == ("bob@example.test",)
    assert context.affected_rules == ("Default",)
    assert context.date == "2026-11-28 09:15:00 UTC"
    assert context.smtp_message_id == "<inv.7@sender.test>"
    assert context.verdicts == ("antivirus: infected",)


def test_an_attachment_content_filtering_removed_says_which_expression():
    raw = message_with(("invoice.pdf.exe", b"MZ\x90\x00" + bytes(200)))
    cf = ContentFilterScanner().scan(parse_message(raw), ScanContext(ENVELOPE, "mx.example.test", ()))
    report = report_for(raw, cf)
    decision = decide(report, "bob@example.test")
    context = context_from(report, decision.to_dict(), "Invoice", "")
    assert len(context.parts) == 1
    part = context.parts[0]
    assert (part.name, part.size) == ("invoice.pdf.exe", 204)
    assert part.status.startswith("removed: Executables and scripts")  # the expression, not the module
    assert context.affected_recipients == ("bob@example.test", "carol@example.test")  # a bare decision: everyone
    assert context.smtp_message_id == "<inv.7@sender.test>"  # from the report's facts when not given


def test_a_message_held_whole_lists_the_infected_part_and_the_null_sender_reads_as_such():
    raw = message_with(("a.zip", b"PK" + bytes(30)))
    report = report_for(raw, antivirus_infected("2", "a.zip", "Win.Trojan.Agent"))
    report = ScanReport(report.message_id, report.raw_location, msgspec.structs.replace(report.envelope, mail_from=""),
                        report.facts, report.results)
    outcome = {"recipients": ["bob@example.test"], "decision": {"action": "delete", "backup": True,
                                                                "rule": "Default"}, "backup_id": "bk-2"}
    context = context_from(report, outcome, "", "")
    assert context.sender == "<>"
    assert context.subject == "Invoice"
    assert context.action == "not delivered, the original is held in Backup"
    assert context.parts == (PartInfo("a.zip", 32, "infected: Win.Trojan.Agent"),)
