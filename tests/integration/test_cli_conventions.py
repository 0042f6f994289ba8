"""The conventions of `mailgate scan` and `mailgate explain` a user and a script rely on: --version, `-` for
standard input, the documented exit statuses, a warning when clamd does not answer, `explain --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from email.message import EmailMessage
from importlib.metadata import version
from pathlib import Path

from tests.support.cli import run_mailgate

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def mail(body: str = "Lunch on Friday?\n", attachment: tuple[str, bytes] | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alice@sender.test", "bob@example.test", "hello"
    message["Message-ID"] = "<conventions@sender.test>"
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return message.as_bytes()


def mailgate_with_stdin(data: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAILGATE_")}
    return subprocess.run([str(Path(sys.executable).with_name("mailgate")), *args], input=data.decode(),
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**environment, "MAILGATE_CONFIG": "{}"})


def test_version_prints_the_installed_package_version():
    result = run_mailgate("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"mailgate {version('mailgate')}")


def test_scan_and_explain_read_one_message_from_standard_input():
    scanned = mailgate_with_stdin(mail(), "scan", "--json", "--no-network", "-")
    line = json.loads(scanned.stdout)
    assert (scanned.returncode, line["file"], line["message_id"], line["action"]) == (
        0, "-", "<conventions@sender.test>", "deliver")
    explained = mailgate_with_stdin(mail(GTUBE), "explain", "--no-network", "-")
    assert explained.returncode == 1 and "antispam: spam" in explained.stdout
    twice = mailgate_with_stdin(mail(), "scan", "--no-network", "-", "-")
    assert twice.returncode == 2 and "give - once" in twice.stderr


def test_exit_status_is_0_clean_1_findings_2_unreadable(tmp_path):
    (tmp_path / "clean.eml").write_bytes(mail())
    (tmp_path / "spam.eml").write_bytes(mail(GTUBE))
    (tmp_path / "program.eml").write_bytes(mail(attachment=("setup.exe", b"MZ\x90\x00" + bytes(200))))
    (tmp_path / "prose.txt").write_text("not a message at all\n")

    def status(*args: str) -> int:
        return run_mailgate(*args).returncode

    clean, spam, program = (str(tmp_path / n) for n in ("clean.eml", "spam.eml", "program.eml"))
    missing, prose = str(tmp_path / "missing.eml"), str(tmp_path / "prose.txt")
    for command in ("scan", "explain"):
        assert status(command, "--no-network", clean) == 0
        assert status(command, "--no-network", clean, spam) == 1  # spam: deleted, original in Backup
        assert status(command, "--no-network", program) == 1  # a program: the part removed
        assert status(command, "--no-network", clean, missing) == 2
        assert status(command, "--no-network", spam, prose) == 2  # unreadable input outranks findings
        assert status(command, "--no-network", "--dns", "nonsense", clean) == 2  # a usage error
    assert status("scan", "--no-such-option", clean) == 2


def test_help_documents_the_exit_statuses():
    for command in ("scan", "explain"):
        text = run_mailgate(command, "--help").stdout
        assert "exit status" in text
        assert all(f"  {code}  " in text for code in (0, 1, 2))


def test_a_clamd_that_does_not_answer_gets_one_clear_warning(tmp_path):
    (tmp_path / "a.eml").write_bytes(mail())
    (tmp_path / "b.eml").write_bytes(mail())
    result = run_mailgate("scan", "--no-network", "--clamd", "127.0.0.1:1", str(tmp_path))
    assert result.stderr.count("warning") == 1, result.stderr
    assert "no clamd answers at 127.0.0.1:1" in result.stderr
    assert "Anti-Virus will report `error`" in result.stderr and "leave out --clamd" in result.stderr
    assert result.stdout.count("antivirus=error") == 2 and result.returncode == 1


def test_a_clamd_that_answers_gets_no_warning_and_finds_eicar(tmp_path, clamd):
    eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    (tmp_path / "virus.eml").write_bytes(mail(attachment=("eicar.com", eicar)))
    result = run_mailgate("scan", "--json", "--no-network", "--clamd", clamd.address, str(tmp_path / "virus.eml"))
    assert "warning" not in result.stderr, result.stderr
    assert json.loads(result.stdout)["verdicts"]["antivirus"]["verdict"] == "infected"
    assert result.returncode == 1


def test_explain_json_is_one_object_per_file_with_each_groups_decision(tmp_path):
    (tmp_path / "spam.eml").write_bytes(mail(GTUBE))
    result = run_mailgate("explain", "--json", "--no-network", str(tmp_path / "spam.eml"))
    document = json.loads(result.stdout)
    assert document["verdicts"]["antispam"]["verdict"] == "spam"
    (group,) = document["groups"]
    assert group["recipients"] == ["bob@example.test"]
    assert (group["decision"]["action"], group["decision"]["backup"]) == ("delete", True)
    assert result.returncode == 1


def test_a_state_dir_whose_plan_sets_foreign_variables_is_refused(tmp_path):
    """workers.json is read into the environment: a planted LD_PRELOAD or PATH must not reach a worker."""
    (tmp_path / "workers.json").write_text(json.dumps({
        "environment": {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "LD_PRELOAD": "/tmp/planted.so"},
        "queues": {"scan": ["q", "arn"], "rules": ["q", "arn"]}, "visibility_seconds": 30, "region": "eu-west-1"}))
    scanned = mailgate_with_stdin(mail(), "scan", "--state-dir", str(tmp_path), "-")
    assert scanned.returncode == 2
    assert "LD_PRELOAD, which `mailgate serve` never writes" in scanned.stderr
    worker = run_mailgate("worker", "rules", "--state-dir", str(tmp_path))
    assert worker.returncode == 2
    assert "LD_PRELOAD" in worker.stderr
