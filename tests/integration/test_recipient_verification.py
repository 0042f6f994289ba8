"""Unknown recipients refused during SMTP, from the directory (issue 18): the session's local gateway with a real
OpenLDAP behind it, real SMTP in front of it, verification switched on through the admin API as an administrator
would (and the settings restored afterwards), and ldap_sync keeping a Mail Manager address list (a local fake of the
service) equal to the same recipients.

What they check: mail to an unknown address is refused with 550 5.1.1 at RCPT and costs no scan (nothing of it in
the event log) while the known recipient of the same transaction gets the mail; after a sync adds the address the
same mail is accepted, without a restart; the setting's catch-all and role addresses are accepted; a hostile RCPT
gets a clean 5xx and the session goes on.
"""

from __future__ import annotations

import os
import smtplib
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mailgate.api.roles import Role
from mailgate.aws import clients
from mailgate.environment import Env
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, simple_message, wait_for
from tests.support.mail_manager_fake import MailManagerFake
from tests.support.settings_api import put_section, settings_restored
from tests.support.slapd import ROOT_PASSWORD, SlapdServer

pytestmark = pytest.mark.integration

ADDRESS_LIST = "al-mailgate-recipients"


@pytest.fixture
def address_list(gateway: Any) -> Iterator[MailManagerFake]:
    """ldap_sync of the session's gateway keeps this (fake) Mail Manager address list, as MAIL_MANAGER_ADDRESS_LIST
    and the service's endpoint say; both are taken away afterwards."""
    with MailManagerFake() as fake:
        fake.create_list(ADDRESS_LIST, "left.over@example.test")
        os.environ.update({Env.MAIL_MANAGER_ADDRESS_LIST: ADDRESS_LIST, "AWS_ENDPOINT_URL_MAILMANAGER": fake.url})
        clients.reset()
        try:
            yield fake
        finally:
            for name in (Env.MAIL_MANAGER_ADDRESS_LIST, "AWS_ENDPOINT_URL_MAILMANAGER"):
                os.environ.pop(name, None)
            clients.reset()


@pytest.fixture
def directory(gateway: Any, stock_slapd: SlapdServer, stock_ou: Any) -> Iterator[tuple[str, str]]:
    """A connection of the gateway to the stock OpenLDAP (deleted afterwards); (its API path, this test's tag)."""
    tag = f".{uuid.uuid4().hex[:6]}"
    stock_ou.person("alice", "Alice Able", f"alice{tag}@example.test", f"a.able{tag}@example.test")
    status, created = api(gateway, "POST", "/directory/connections", body={
        "name": f"Recipients {tag}", "domain": "example.test", "kind": "ldap", "base_dn": stock_ou.base,
        "bind_dn": stock_slapd.root_dn, "password": ROOT_PASSWORD, "ca_pem": stock_slapd.ca_pem,
        "servers": [{"host": "127.0.0.1", "port": stock_slapd.tls_port}], "connect_timeout_seconds": 2})
    assert status == 201, created
    path = f"/directory/connections/{created['connection_id']}"
    try:
        yield path, tag
    finally:
        assert api(gateway, "DELETE", path)[0] == 200


@pytest.fixture
def verification(gateway: Any) -> Iterator[None]:
    """Recipient verification on, with a shared mailbox and the role addresses accepted; settings restored after."""
    restore = settings_restored(gateway)
    next(restore)
    put_section(gateway, "recipient-verification", lambda s: {
        **s, "enabled": True, "also_accept": ["abuse@*", "shared.mailbox@example.test", "*@refusing.test"]})
    try:
        yield
    finally:
        next(restore, None)


def synchronised(gateway: Any, path: str) -> dict[str, Any]:
    status, started = api(gateway, "POST", f"{path}/sync")
    assert status == 202, started
    run = wait_for(lambda: r if (r := api(gateway, "GET", started["status"])[1])["state"] not in (
        "queued", "running") else None)
    assert run["state"] == "succeeded", run
    return run


def rcpt(gateway: Any, *recipients: str) -> list[tuple[int, bytes]]:
    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        assert smtp.mail("partner@sender.test")[0] == 250
        return [smtp.rcpt(r) for r in recipients]


def test_an_unknown_recipient_is_refused_at_rcpt_and_costs_no_scan_until_a_sync_adds_it(
        gateway, directory, verification, address_list, stock_ou):
    path, tag = directory
    alice, newbie = f"alice{tag}@example.test", f"newbie{tag}@example.test"
    synchronised(gateway, path)

    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.sender.test")
        smtp.mail("partner@sender.test")
        assert smtp.rcpt(newbie) == (550, f"5.1.1 <{newbie}>: recipient unknown".encode())
        assert smtp.rcpt(alice)[0] == 250
        code, reply = smtp.data(simple_message("partner@sender.test", f"{alice}, {newbie}", "Figures"))
    assert code == 250, reply
    message_id = reply.decode().rsplit(" ", 1)[-1]
    decided = outcomes(gateway, message_id, recipients=1)
    assert all(newbie not in (e.get("recipient") or "") for e in decided) and any(
        alice in (e.get("recipient") or "") for e in decided)
    status, logged = api(gateway, "GET", f"/events?recipient={newbie}", Role.AUDITOR)
    assert status == 200 and logged["events"] == []  # nothing was stored, scanned or decided for it

    # The directory learns the address: after the next sync the same mail is accepted, without a restart.
    stock_ou.person("newbie", "New Bie", newbie)
    assert rcpt(gateway, newbie)[0][0] == 550  # not before the sync
    synchronised(gateway, path)
    wait_for(lambda: rcpt(gateway, newbie)[0][0] == 250, timeout=30, interval=1)  # the cache's 15 s, at most

    # ldap_sync keeps the Mail Manager address list equal to the same recipients; what left the directory goes.
    members = wait_for(lambda: newbie in (m := address_list.members(ADDRESS_LIST)) and m)
    assert {alice, f"a.able{tag}@example.test", "shared.mailbox@example.test", "postmaster@example.test",
            "abuse@example.test"} <= members
    assert "left.over@example.test" not in members


def test_the_settings_catch_all_shared_and_role_addresses_are_accepted(gateway, directory, verification, stock_ou):
    path, tag = directory
    stock_ou.person("rita", "Rita Refusing", f"rita{tag}@refusing.test")  # the directory now verifies that domain
    synchronised(gateway, path)
    answers = rcpt(gateway, f"nobody{tag}@example.test", "shared.mailbox@example.test", "Postmaster@example.test",
                   "abuse@example.test", f"anyone{tag}@refusing.test", f"A.Able{tag}+reports@Example.TEST")
    assert [code for code, _ in answers] == [550, 250, 250, 250, 250, 250], answers  # the last: a sub-address

    put_section(gateway, "recipient-verification", lambda s: {**s, "also_accept": []})
    answers = rcpt(gateway, "shared.mailbox@example.test", "postmaster@example.test", f"anyone{tag}@refusing.test")
    assert [code for code, _ in answers] == [550, 250, 550], answers  # postmaster@ always (RFC 5321)


@pytest.mark.parametrize("hostile", [b"<a\rb@example.test>", b"<a\x00b@example.test>",
                                     b"<" + b"x" * 20_000 + b"@example.test>", b"<" + b"y" * 300 + b"@example.test>",
                                     b"<\xff\xfeab@example.test>", "<jörg.unknown@example.test>".encode()],
                         ids=["cr-alone", "nul", "huge-line", "over-256-octets", "not-utf-8", "unknown-utf-8"])
def test_a_hostile_rcpt_gets_a_clean_5xx_and_the_session_goes_on(gateway, directory, verification, hostile):
    path, tag = directory
    synchronised(gateway, path)
    with socket.create_connection((gateway.options.host, gateway.options.smtp_port), timeout=30) as sock:
        reader = sock.makefile("rb")

        def say(line: bytes) -> bytes:
            sock.sendall(line + b"\r\n")
            answer = reader.readline()
            while answer[3:4] == b"-":
                answer = reader.readline()
            return answer

        assert reader.readline().startswith(b"220")
        assert say(b"EHLO client.sender.test").startswith(b"250")
        assert say(b"MAIL FROM:<partner@sender.test> SMTPUTF8").startswith(b"250")
        answer = say(b"RCPT TO:" + hostile)
        assert answer[:1] == b"5" and b"\r" not in answer[:-2] and b"\x00" not in answer, answer
        assert say(f"RCPT TO:<alice{tag}@example.test>".encode()).startswith(b"250")  # the session survives
        assert say(b"QUIT").startswith(b"221")
