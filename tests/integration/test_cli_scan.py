"""`mailgate scan`: the command later issues measure detection with, run as a user runs it."""

import json
import re
from pathlib import Path

import pytest

from tests.support.cli import run_mailgate

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ACTIONS = {"deliver", "reject", "delete", "delete_attachment"}


@pytest.fixture(scope="module")
def edge_corpus() -> Path:
    if not (CORPUS / "edge").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS / "edge"


def test_every_edge_case_gets_an_action_and_a_stable_json_line(edge_corpus):
    result = run_mailgate("scan", "--json", "--no-network", str(edge_corpus))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    files = sorted(p for p in edge_corpus.rglob("*") if p.is_file())
    assert [line["file"] for line in lines] == [str(p) for p in files]
    errors = [line for line in lines if "error" in line]
    # Some "edge cases" are not mail at all (an Outlook .msg file, a line of prose): a clear error each,
    # and only for files whose first line is not a header field.
    for line in errors:
        assert line["error"] == "not an RFC 5322 message: no header fields found"
        first = Path(line["file"]).read_bytes().split(b"\n", 1)[0]
        assert not re.match(rb"^[!-9;-~]+:", first), line["file"]
    assert len(errors) < len(lines) // 10
    held = [line for line in lines if "error" not in line and (line["action"] != "deliver" or line["backup"])]
    # exit status: 2 when an input is not a message, else 1 when a message has findings
    assert result.returncode == (2 if errors else 1 if held else 0), result.stderr[-2000:]
    for line in lines:
        if "error" in line:
            continue
        assert line["action"] in ACTIONS
        assert isinstance(line["backup"], bool)
        assert isinstance(line["elapsed_ms"], float)
        auth = line["verdicts"]["authentication"]
        assert {"verdict", "score", "reasons"} <= set(auth)
        # --no-network: every lookup is neutral, so nothing is rejected on authentication; what is not
        # delivered as is was stopped by a module's verdict, and its original is kept in Backup.
        assert line["action"] != "reject", line
        if line["action"] != "deliver":
            verdicts = {name: v["verdict"] for name, v in line["verdicts"].items()}
            stopped = (verdicts["content_filter"] in ("violation", "unscannable", "error")
                       or verdicts["antispam"] == "spam"
                       or verdicts["antiphishing"] == "phishing" or verdicts["links"] != "clean")
            assert stopped and line["backup"], line
            if line["action"] == "delete_attachment":
                assert line["removed_parts"], line


def test_unreadable_and_non_mail_files_get_a_clear_error_and_scanning_continues(tmp_path, edge_corpus):
    good = next(p for p in sorted(edge_corpus.iterdir()) if p.name.startswith("edge-rspamd.gtube"))
    (tmp_path / "binary.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "empty.eml").write_bytes(b"")
    result = run_mailgate("scan", "--json", "--no-network", str(tmp_path / "missing.eml"), str(tmp_path), str(good))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 2  # unreadable input outranks the GTUBE message's findings
    by_file = {Path(line["file"]).name: line for line in lines}
    assert "No such file" in by_file["missing.eml"]["error"]
    assert "not an RFC 5322 message" in by_file["binary.png"]["error"]
    assert "not an RFC 5322 message" in by_file["empty.eml"]["error"]
    gtube = by_file[good.name]  # GTUBE, the spam test string: the Default rule holds spam in Backup
    assert (gtube["action"], gtube["backup"], gtube["verdicts"]["antispam"]["verdict"]) == ("delete", True, "spam")


def test_plain_output_is_one_line_per_message(edge_corpus):
    sample = sorted(edge_corpus.iterdir())[:3]
    result = run_mailgate("scan", "--no-network", *map(str, sample))
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3
    assert all(" deliver " in line or ": deliver" in line for line in result.stdout.splitlines())


def program_mail(to: str, subject: str, filename: str, subtype: str = "octet-stream") -> bytes:
    """A message carrying a Windows program (MZ header) under the given name."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", to, subject
    msg.set_content("see attached\n")
    msg.add_attachment(b"MZ\x90\x00" + bytes(200), maintype="application", subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_a_disguised_program_shows_the_matching_conditions_and_the_part_to_remove(tmp_path):
    (tmp_path / "invoice.eml").write_bytes(program_mail("b@example.test", "invoice", "invoice.pdf.exe", "pdf"))
    result = run_mailgate("scan", "--json", "--no-network", str(tmp_path / "invoice.eml"))
    line = json.loads(result.stdout)
    assert (line["action"], line["backup"]) == ("delete_attachment", True)
    assert line["removed_parts"][0]["filename"] == "invoice.pdf.exe"
    filtering = line["verdicts"]["content_filter"]
    assert filtering["verdict"] == "violation"
    expressions = {m["expression"]: m for m in filtering["matches"]}
    assert set(expressions) == {"Executables and scripts", "Double extension"}
    matched = {(c["attribute"], c["matched"]) for c in expressions["Executables and scripts"]["conditions"]}
    assert ("attachment_type", "executables") in matched


def test_explain_prints_every_scanner_finding_and_each_recipients_path(tmp_path):
    (tmp_path / "tools.eml").write_bytes(program_mail("b@example.test", "tools", "setup.exe"))
    result = run_mailgate("explain", "--no-network", "--recipient", "b@example.test", "--recipient",
                          "c@example.test", str(tmp_path / "tools.eml"))
    assert result.returncode == 1, result.stderr  # findings: a part removed, the original in Backup
    text = result.stdout
    assert "content_filter: violation" in text and "CF:Executables and scripts" in text
    assert "2 recipient(s), rule 'Default':" in text
    assert "recipient b@example.test matched rule 'Default'" in text
    assert "recipient c@example.test matched rule 'Default'" in text
    assert "=> delete_attachment + Backup:" in text and "removes setup.exe" in text

    missing = run_mailgate("explain", str(tmp_path / "absent.eml"))
    assert missing.returncode == 2 and "absent.eml" in missing.stderr


def test_explain_with_a_proposed_rule_table_is_a_dry_run_and_refuses_an_invalid_one(tmp_path):
    (tmp_path / "tools.eml").write_bytes(program_mail("finance@example.test", "tools", "setup.exe"))
    proposed = {"rules": [{"name": "Finance", "mode": "reject", "recipients": {"addresses": ["finance@example.test"]}},
                          {"name": "Default"}]}
    (tmp_path / "rules.json").write_text(json.dumps({"version": 3, "settings": proposed}))
    result = run_mailgate("explain", "--no-network", "--rules", str(tmp_path / "rules.json"),
                          str(tmp_path / "tools.eml"))
    assert result.returncode == 1, result.stderr  # findings: rejected
    assert "proposed rule table" in result.stdout
    assert "recipient finance@example.test matched rule 'Finance'" in result.stdout
    assert "=> reject: rule 'Finance' rejects this mail without scanning" in result.stdout

    proposed["rules"].insert(0, {"name": "Broken", "senders": {"networks": ["10.0.0.0/33"]}})
    (tmp_path / "bad.json").write_text(json.dumps(proposed))
    refused = run_mailgate("explain", "--no-network", "--rules", str(tmp_path / "bad.json"),
                           str(tmp_path / "tools.eml"))
    assert refused.returncode == 2 and refused.stdout == ""
    assert "$.rules.rules[0].senders.networks" in refused.stderr and "10.0.0.0/33" in refused.stderr
