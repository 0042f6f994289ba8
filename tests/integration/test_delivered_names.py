"""Local mode's mail server names each delivered copy by the gateway's message id: the id in `250 … queued as`
is the file a user opens, with a suffix when the same message arrives again."""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
from pathlib import Path

import pytest

from tests.support.local_gateway import events, simple_message, wait_for

pytestmark = pytest.mark.integration


def _send(host: str, port: int, recipients: list[str], data: bytes) -> str:
    with smtplib.SMTP(host, port, timeout=60) as smtp:
        smtp.ehlo("client.sender.test")
        assert smtp.mail("alice@sender.test")[0] == 250
        for rcpt in recipients:
            assert smtp.rcpt(rcpt)[0] == 250
        code, reply = smtp.data(data)
        assert code == 250, reply
    return reply.decode().rsplit(" ", 1)[-1]


def test_the_delivered_copy_is_named_by_the_queued_id_and_a_second_group_gets_a_suffix(gateway):
    # 51 recipients are two groups of at most 50: the same message arrives downstream twice
    recipients = [f"staff{i:02d}@example.test" for i in range(51)]
    message_id = _send(gateway.options.host, gateway.options.smtp_port, recipients,
                       simple_message("alice@sender.test", "staff@example.test", "two deliveries"))

    def delivered_to() -> set[str] | None:
        found = {r.strip() for e in events(gateway, message_id) if e["kind"] == "delivered"
                 for r in (e.get("recipient") or "").split(",")}
        return found if len(found) >= len(recipients) else None

    wait_for(delivered_to)
    folder = Path(gateway.delivered_dir)
    copies = wait_for(lambda: sorted(p.name for p in folder.glob(f"{message_id}*.eml")) or None)
    assert copies == [f"{message_id}-2.eml", f"{message_id}.eml"]
    for name in copies:
        parsed = email.message_from_bytes((folder / name).read_bytes(), policy=email.policy.default)
        assert parsed["X-Mailgate-Id"] == message_id
    envelopes = [json.loads((folder / name).with_suffix(".json").read_text()) for name in copies]
    assert sorted(r for e in envelopes for r in e["recipients"]) == recipients


@pytest.mark.parametrize(("id_field", "expected"), [
    (b"X-Mailgate-Id: ../../outside/../etc\r\n", "outside_etc"),  # travels in mail: never a path
    (b"X-Mailgate-Id: \x1b[31mred\r\n", "31mred"),
    (b"X-Mailgate-Id: 7e57ab1e\r\nX-Mailgate-Notification: admin_virus_found\r\n", "7e57ab1e.notification"),
    (b"", None),  # not from the gateway: a random name, as before
])
def test_mail_not_from_the_gateway_is_named_safely(gateway, id_field, expected):
    folder = Path(gateway.delivered_dir)
    before = set(folder.iterdir())
    body = b"From: a@b.test\r\nSubject: direct\r\n" + id_field + b"\r\nX-Mailgate-Id: body-is-not-the-header\r\n"
    with smtplib.SMTP(gateway.options.host, gateway.options.downstream_port, timeout=30) as smtp:
        smtp.sendmail("a@b.test", ["bob@example.test"], body)
    new = wait_for(lambda: sorted(p.name for p in set(folder.iterdir()) - before if p.suffix == ".eml") or None)
    assert len(new) == 1 and (folder / new[0]).read_bytes().endswith(b"body-is-not-the-header\r\n")
    assert all(p.parent == folder for p in set(folder.iterdir()) - before)
    if expected is None:
        assert len(new[0]) == len("0" * 32 + ".eml") and "body" not in new[0]
    else:
        assert new[0].startswith(expected) and new[0].endswith(".eml")
