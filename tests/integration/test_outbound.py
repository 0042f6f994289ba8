"""Outbound mail through local mode (issue 18): the organisation's "mail server" submits with SMTP AUTH on the
submission port; the gateway scans it, the rules see it as outbound, the disclaimer is added, our DKIM key signs
it (OpenDKIM verifies the signature), and it arrives at the local "internet" sink. An EICAR attachment is held;
a sender past the hourly limit is held and an administrator is told once; no login, no mail."""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
import subprocess
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from mailgate.local.gateway import LocalGateway
from tests.integration.auth.test_opendkim_interop import (  # noqa: F401 - a fixture
    needs_opendkim,
    opendkim_resolv_conf,
    opendkim_verify,
)
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration

EICAR = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
DISCLAIMER = "This message is from Example Corp. Confidential."


def submit(gw: LocalGateway, message: EmailMessage, login: tuple[str, str] | None = None) -> str:
    """As the organisation's mail server relays through the gateway; the gateway's message id."""
    user, password = login or (gw.submission_login.username, gw.submission_login.password)
    with smtplib.SMTP(gw.options.host, gw.options.submission_port, timeout=30) as smtp:
        smtp.ehlo("mail.example.test")
        smtp.login(user, password)
        refused = smtp.send_message(message)
        assert refused == {}
        code, _ = smtp.noop()
    assert code == 250
    found = wait_for(lambda: _message_id(gw, str(message["Message-ID"])), timeout=60)
    return str(found)


def _message_id(gw: LocalGateway, header_id: str) -> str | None:
    status, page = api(gw, "GET", f"/events?message_id_header={header_id.strip('<>')}&kind=received")
    return page["events"][0]["message_id"] if status == 200 and page["events"] else None


def outgoing(sender: str, to: str, subject: str, body: str = "Hello from inside.\n",
             with_date: bool = True) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.test>"
    if with_date:  # as the organisation's server writes it; without, the gateway adds it (OpenDKIM needs one)
        message["Date"] = formatdate(localtime=False)
    message.set_content(body)
    return message


def arrived(gw: LocalGateway, gateway_id: str) -> list[tuple[bytes, dict[str, Any]]]:
    folder = Path(gw.internet_dir)
    return [(p.read_bytes(), json.loads(p.with_suffix(".json").read_text()))
            for p in sorted(folder.glob(f"{gateway_id}*.eml")) if p.with_suffix(".json").exists()]


@pytest.fixture
def outbound(gateway: LocalGateway, restore_settings: None) -> LocalGateway:
    """Our DKIM key for example.test (the sealing key's selector, published in the test zone) and an outbound rule
    that adds the disclaimer; the settings are restored afterwards."""
    put_section(gateway, "modifications", lambda s: {**s, "disclaimers": [
        *[d for d in s["disclaimers"] if d["name"] != "corp"], {"name": "corp", "text": DISCLAIMER}]})
    put_section(gateway, "rules", lambda s: {**s, "rules": [
        {"name": "Outbound disclaimer", "direction": "outbound", "disclaimer": "corp"}, *s["rules"]]})
    put_section(gateway, "signing", lambda s: {**s, "dkim_signing": [
        *[k for k in s["dkim_signing"] if k["domain"] != "example.test"],
        {"domain": "example.test", "selector": "sel1", "secret_name": "mailgate/dkim/example.test"}]})
    return gateway


@needs_opendkim
def test_outbound_mail_gets_the_disclaimer_and_our_dkim_signature_and_reaches_the_internet(
        outbound: LocalGateway, opendkim_resolv_conf: Path) -> None:  # noqa: F811
    message = outgoing("ceo@example.test", "partner@elsewhere.test", "Quarterly numbers", with_date=False)
    gateway_id = submit(outbound, message)
    [(data, envelope)] = wait_for(lambda: arrived(outbound, gateway_id), timeout=60)
    assert envelope["recipients"] == ["partner@elsewhere.test"]
    delivered = email.message_from_bytes(data, policy=email.policy.default)
    assert DISCLAIMER in delivered.get_body().get_content()  # type: ignore[union-attr]
    assert delivered["Date"]  # the client left it out: the gateway added it, as a submission server does
    assert "d=example.test" in str(delivered["DKIM-Signature"]) and "s=sel1" in str(delivered["DKIM-Signature"])
    verified = opendkim_verify(data, opendkim_resolv_conf)
    assert verified.returncode == 0, verified.stderr.decode()
    received = next(e for e in events(outbound, gateway_id) if e["kind"] == "received")
    assert received["summary"].startswith("outbound mail received from ceo@example.test")
    assert received["detail"]["envelope"]["direction"] == "outbound"
    decision = next(e for e in events(outbound, gateway_id) if e["kind"] == "decision")
    assert "Outbound disclaimer" in decision["summary"]
    assert not list(Path(outbound.delivered_dir).glob(f"{gateway_id}*.eml"))  # not to the organisation's server


def test_an_outbound_virus_is_held_and_never_leaves(outbound: LocalGateway) -> None:
    message = outgoing("bob@example.test", "customer@elsewhere.test", "the file")
    message.add_attachment(EICAR, maintype="application", subtype="octet-stream", filename="eicar.com")
    gateway_id = submit(outbound, message)
    final = outcomes(outbound, gateway_id)
    assert "backup" in {e["kind"] for e in final}, [e["summary"] for e in final]
    assert arrived(outbound, gateway_id) == []
    status, entries = api(outbound, "GET", f"/backup?message_id={gateway_id}")
    assert status == 200 and entries["items"] and entries["items"][0]["held_by"] == "antivirus", entries


def test_a_sender_past_the_hourly_limit_is_held_and_an_administrator_told_once(outbound: LocalGateway) -> None:
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.test"
    put_section(outbound, "notifications", lambda s: {**s, "administrator_addresses": [admin]})
    put_section(outbound, "outbound", lambda s: {**s, "limits": {**s["limits"], "messages_per_hour": 2}})
    sender = f"compromised-{uuid.uuid4().hex[:6]}@example.test"
    ids = [submit(outbound, outgoing(sender, f"victim{n}@elsewhere.test", f"offer {n}")) for n in range(4)]
    for gateway_id in ids:
        outcomes(outbound, gateway_id)
    assert [bool(wait_for(lambda g=g: arrived(outbound, g), timeout=30)) for g in ids[:2]] == [True, True], [
        [e["summary"] for e in events(outbound, g)] for g in ids]
    for gateway_id in ids[2:]:
        assert arrived(outbound, gateway_id) == []
        status, entries = api(outbound, "GET", f"/backup?message_id={gateway_id}")
        assert status == 200 and entries["items"][0]["held_by"] == "outbound_limit", entries
    warning = next(e for e in events(outbound, ids[2]) if e["kind"] == "warning")
    assert f"outbound limit passed by {sender}: 3 messages this hour (limit 2)" in warning["summary"]

    def notices() -> list[email.message.EmailMessage]:
        found = []
        for path in Path(outbound.delivered_dir).glob("*.eml"):
            envelope = path.with_suffix(".json")
            if envelope.exists() and admin in json.loads(envelope.read_text()).get("recipients", []):
                found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return found

    [notice] = wait_for(notices, timeout=60)
    assert sender in str(notice["Subject"]) and "compromised account" in notice.get_body().get_content()  # type: ignore[union-attr]
    assert len(notices()) == 1  # the fourth message passed the same limit: no second notice


def test_no_login_no_mail_and_a_wrong_password_is_refused(outbound: LocalGateway) -> None:
    with smtplib.SMTP(outbound.options.host, outbound.options.submission_port, timeout=30) as smtp:
        smtp.ehlo("mail.example.test")
        code, reply = smtp.mail("ceo@example.test")
        assert code == 530, reply
    with smtplib.SMTP(outbound.options.host, outbound.options.submission_port, timeout=30) as smtp:
        smtp.ehlo("mail.example.test")
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp.login(outbound.submission_login.username, "not-the-password")
        assert refused.value.smtp_code == 535


def test_mail_from_outside_is_never_outbound_whatever_it_claims(outbound: LocalGateway) -> None:
    """The inbound ingress takes no AUTH and stores under incoming/: a forged From of our domain is inbound mail,
    decided by the inbound rules and never signed with our key."""
    message = outgoing("ceo@example.test", "bob@example.test", "urgent wire transfer")
    with smtplib.SMTP(outbound.options.host, outbound.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("attacker.test")
        smtp.send_message(message)
    gateway_id = wait_for(lambda: _message_id(outbound, str(message["Message-ID"])), timeout=60)
    final = outcomes(outbound, gateway_id)
    received = next(e for e in events(outbound, gateway_id) if e["kind"] == "received")
    assert "direction" not in received["detail"]["envelope"]  # inbound
    decision = next(e for e in events(outbound, gateway_id) if e["kind"] == "decision")
    assert "Outbound disclaimer" not in decision["summary"]  # the inbound rules decided it
    assert "backup" in {e["kind"] for e in final}  # our own domain in From, from outside: spoofing, held
    assert arrived(outbound, gateway_id) == []
    for copy in Path(outbound.delivered_dir).glob(f"{gateway_id}*.eml"):
        assert b"DKIM-Signature:" not in copy.read_bytes().split(b"\r\n\r\n", 1)[0]


def test_swaks_as_the_readme_shows_sends_outbound_mail_with_the_generated_login(outbound: LocalGateway) -> None:
    login = json.loads((Path(outbound.options.state_dir) / "submission.json").read_text())
    assert oct((Path(outbound.options.state_dir) / "submission.json").stat().st_mode & 0o777) == "0o600"
    command = ["swaks", "--server", outbound.options.host, "--port", str(outbound.options.submission_port),
               "--auth", "LOGIN", "--auth-user", login["username"], "--auth-password", login["password"],
               "--from", "ceo@example.test", "--to", "partner@elsewhere.example", "--header", "Subject: hello world"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    gateway_id = next(line for line in result.stdout.splitlines() if "queued as" in line).rsplit(" ", 1)[-1]
    [(_, envelope)] = wait_for(lambda: arrived(outbound, gateway_id), timeout=60)
    assert envelope["recipients"] == ["partner@elsewhere.example"]


def test_hostile_recipients_at_submission_get_a_clean_refusal_and_the_session_goes_on(outbound: LocalGateway) -> None:
    """Even an authenticated client is not trusted with the envelope: a CR alone, NUL or bad UTF-8 in RCPT TO is
    refused, never
    echoed into a reply or the Received field; past 1,000 recipients a transaction is told to stop; a good message
    in the same session still goes out."""
    login = outbound.submission_login
    with smtplib.SMTP(outbound.options.host, outbound.options.submission_port, timeout=60) as smtp:
        smtp.ehlo("mail.example.test")
        smtp.login(login.username, login.password)
        assert smtp.mail("ceo@example.test")[0] == 250
        for hostile in (b"a\rX-Injected: 1@elsewhere.test", b"nul\x00@elsewhere.test", b"\xff\xfe@elsewhere.test"):
            assert smtp.sock is not None  # smtplib refuses to send these itself: the bytes go as a client sends them
            smtp.sock.sendall(b"RCPT TO:<" + hostile + b">\r\n")
            code, reply = smtp.getreply()
            assert code // 100 == 5 and b"X-Injected" not in reply and b"\x00" not in reply, (hostile, code, reply)
        codes = [smtp.rcpt(f"r{n}@elsewhere.test")[0] for n in range(1001)]
        assert codes[:1000] == [250] * 1000 and codes[1000] == 452
        smtp.rset()
        assert smtp.sock is not None
        smtp.sock.sendall(b"MAIL FROM:<\xff\xfe@example.test>\r\n")
        assert smtp.getreply()[0] == 501
    gateway_id = submit(outbound, outgoing("ceo@example.test", "partner@elsewhere.test", "after the attack"))
    assert wait_for(lambda: arrived(outbound, gateway_id), timeout=60)
