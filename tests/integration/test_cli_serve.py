"""`mailgate serve` as a user runs it, through a pipe: one line per message, no Powertools noise, a note
about an earlier run's clamd, Ctrl-C stops clamd too; `scan --state-dir` decides with the running gateway's
settings; a port already taken is said before anything starts."""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailgate.local.ports import free_port
from mailgate.scanners.antivirus.daemon import clamd_binary
from tests.support.cli import run_mailgate
from tests.support.local_gateway import wait_for

MAILGATE = str(Path(sys.executable).with_name("mailgate"))
pytestmark = pytest.mark.skipif(clamd_binary() is None, reason="clamd is not installed")


@dataclass
class Served:
    """`mailgate serve … | cat` in a process group of its own, as a shell runs a pipeline."""

    shell: subprocess.Popen[str]
    state_dir: Path
    smtp_port: int
    lines: list[str] = field(default_factory=list)

    def read(self) -> None:
        assert self.shell.stdout is not None
        for line in self.shell.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)

    def ctrl_c(self) -> int:
        """What the terminal does on Ctrl-C: SIGINT to every process of the foreground pipeline."""
        os.killpg(self.shell.pid, signal.SIGINT)
        return self.shell.wait(timeout=60)


def serve_through_a_pipe(state_dir: Path, *options: str, downstream_port: int = 0, internet_port: int = 0) -> Served:
    smtp_port = free_port()
    ports = ["--smtp-port", str(smtp_port), "--api-port", str(free_port()), "--moto-port", str(free_port()),
             "--console-port", str(free_port()), "--downstream-port", str(downstream_port or free_port()),
             "--submission-port", str(free_port()), "--internet-port", str(internet_port or free_port())]
    command = " ".join([MAILGATE, "serve", "--state-dir", str(state_dir), "--no-network", "--workers", "1",
                        *ports, *options])
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGATE_", "POWERTOOLS_"))}
    shell = subprocess.Popen(["bash", "-c", f"{command} 2>&1 | cat"], stdout=subprocess.PIPE, text=True,
                             start_new_session=True, env=environment)
    served = Served(shell, state_dir, smtp_port)
    threading.Thread(target=served.read, daemon=True).start()
    return served


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def send(port: int, to: str, body: str) -> str:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alice@sender.test", to, "hello"
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        smtp.send_message(message)
        code, reply = smtp.noop()
    assert code == 250, reply
    return message.as_string()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    state_dir, downstream = tmp_path_factory.mktemp("serve"), free_port()  # serve's own downstream server
    config = {"authserv_id": "mailgate.local", "bounce_from": "mailer-daemon@mailgate.local",
              "domains": {"example.test": {"kind": "smtp", "hosts": [{"host": "127.0.0.1", "port": downstream}]}},
              "dns": {"no_network": True},
              "rules": {"rules": [{"name": "Finance", "mode": "reject",
                                   "recipients": {"addresses": ["finance@example.test"]}}, {"name": "Default"}]}}
    (state_dir / "gateway.json").write_text(json.dumps(config))
    earlier = state_dir / "clamd" / "run"  # what a killed earlier run leaves: a pid file naming a dead clamd
    earlier.mkdir(parents=True)
    (earlier / "clamd.pid").write_text(f"{dead_pid()}\n")
    process = serve_through_a_pipe(state_dir, "--config", str(state_dir / "gateway.json"), downstream_port=downstream)
    wait_for(lambda: "Press Ctrl-C" in process.text() or process.shell.poll() is not None, timeout=180)
    assert "Press Ctrl-C" in process.text(), process.text()
    try:
        yield process
    finally:
        if process.shell.poll() is None:
            process.ctrl_c()


def test_serve_says_it_cleared_an_earlier_runs_clamd(served):
    assert re.search(r"note: an earlier run's clamd \(pid \d+\) had not stopped cleanly", served.text())


def test_serve_prints_one_line_per_message_and_no_powertools_warnings(served):
    before = len(served.lines)
    send(served.smtp_port, "bob@example.test", "Lunch on Friday?")
    send(served.smtp_port, "finance@example.test", "The invoice")
    try:
        wait_for(lambda: len(served.lines) >= before + 2, timeout=60)
    except AssertionError:
        pytest.fail(f"no line per message in:\n{served.text()}")
    new = served.lines[before:]
    assert len(new) == 2, new
    by_recipient = {line.split(" to ", 1)[1].split(":", 1)[0]: line for line in new}
    bob, finance = by_recipient["bob@example.test"], by_recipient["finance@example.test"]
    assert re.match(r"\S+ from alice@sender.test to bob@example.test: .*antispam=not_spam.* => "
                    r"bob@example.test deliver$", bob), bob
    assert all(f" {scanner}=" in bob for scanner in ("authentication", "antivirus", "links", "content_filter"))
    assert finance.endswith("=> finance@example.test reject"), finance
    assert "No application metrics" not in served.text()


def test_scan_with_the_state_dir_decides_with_the_running_gateways_rule_table(served, tmp_path):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alice@sender.test", "finance@example.test", "invoice"
    message.set_content("The invoice")
    (tmp_path / "invoice.eml").write_bytes(message.as_bytes())
    alone = run_mailgate("scan", "--json", "--no-network", str(tmp_path / "invoice.eml"))
    assert json.loads(alone.stdout)["action"] == "deliver"
    with_gateway = run_mailgate("scan", "--json", "--no-network", "--state-dir", str(served.state_dir),
                                str(tmp_path / "invoice.eml"))
    line = json.loads(with_gateway.stdout)
    assert (line["action"], with_gateway.returncode) == ("reject", 1), with_gateway.stderr
    assert line["verdicts"]["antivirus"]["verdict"] == "skipped"  # a reject rule scans nothing
    explained = run_mailgate("explain", "--no-network", "--state-dir", str(served.state_dir),
                             str(tmp_path / "invoice.eml"))
    assert "matched rule 'Finance'" in explained.stdout


def test_serve_help_gives_every_options_default():
    text = run_mailgate("serve", "--help").stdout
    options = re.split(r"\n  (?=-)", text.split("options:", 1)[1])[1:]
    assert len(options) >= 12
    for option in options:
        assert "-h, --help" in option or "default" in option, option


def test_a_port_already_taken_is_said_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([MAILGATE, "serve", "--state-dir", str(tmp_path), "--no-network",
                                 "--smtp-port", str(port), "--api-port", str(free_port()),
                                 "--moto-port", str(free_port()), "--downstream-port", str(free_port()),
                                 "--submission-port", "0"],
                                capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert f"already in use: SMTP ingress 127.0.0.1:{port}" in result.stderr
    assert not (tmp_path / "clamd").exists()  # nothing was started


def test_ctrl_c_through_a_pipe_stops_clamd_and_a_stopped_gateway_is_said(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("ctrl-c")
    process = serve_through_a_pipe(state_dir)
    wait_for(lambda: "Press Ctrl-C" in process.text() or process.shell.poll() is not None, timeout=180)
    assert "Press Ctrl-C" in process.text(), process.text()
    clamd_pid = int((state_dir / "clamd" / "run" / "clamd.pid").read_text())
    assert alive(clamd_pid)
    process.ctrl_c()
    wait_for(lambda: not alive(clamd_pid), timeout=30)
    assert not any(alive(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()
                   and str(state_dir) in Path(p, "cmdline").read_bytes().decode(errors="replace"))

    (tmp_path_factory.mktemp("mail") / "a.eml").write_text("From: a@b.test\n\nhi\n")
    gone = run_mailgate("scan", "--state-dir", str(state_dir), "-")
    assert gone.returncode == 2 and "does not answer" in gone.stderr
