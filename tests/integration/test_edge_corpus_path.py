"""Malformed and hostile mail through the whole local gateway: every message ends somewhere known."""

from __future__ import annotations

import re
import smtplib
from pathlib import Path

import pytest

from mailgate.local.functions import LocalLambdaContext, load_function
from tests.integration.conftest import MAX_ATTEMPTS
from tests.support.local_gateway import TERMINAL, events, rules_record, send, simple_message, wait_for

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.mark.timeout(300)  # 266 messages through the whole gateway, one after another: about two minutes
def test_every_edge_case_is_delivered_rejected_or_kept(gateway):
    if not (CORPUS / "edge").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    accepted: dict[str, str] = {}
    refused: dict[str, str] = {}
    with smtplib.SMTP(gateway.options.host, gateway.options.smtp_port, timeout=60) as smtp:
        for path in sorted((CORPUS / "edge").iterdir()):
            smtp.ehlo("client.sender.test")
            smtp.mail("alice@sender.test")
            smtp.rcpt("bob@example.test")
            # On the wire every line ends in CRLF (smtplib sends bytes as they are).
            code, reply = smtp.data(re.sub(rb"\r?\n", b"\r\n", path.read_bytes()))
            if code == 250:
                accepted[reply.decode().rsplit(" ", 1)[-1]] = path.name
            else:  # refused during SMTP: the sender's server keeps it and reports the reason
                assert 500 <= code < 600, (path.name, code, reply)
                assert reply, path.name
                refused[path.name] = reply.decode()
                smtp.rset()
    assert len(accepted) + len(refused) == len(list((CORPUS / "edge").iterdir()))
    assert len(accepted) > 0.9 * (len(accepted) + len(refused))

    settled: set[str] = set()

    def all_settled() -> bool:
        """Each message once settled is not asked about again, and a poll stops at the first one still pending
        (asking after all 266 every half second would slow the gateway the test waits for)."""
        for mid in accepted:
            if mid not in settled:
                if not any(e["kind"] in TERMINAL for e in events(gateway, mid)):
                    return False
                settled.add(mid)
        return True

    wait_for(all_settled, timeout=240, interval=0.5)
    for message_id, name in accepted.items():
        logged = events(gateway, message_id)
        kinds = [e["kind"] for e in logged]
        assert "error" not in kinds, (name, [e["summary"] for e in logged if e["kind"] == "error"])
        assert kinds[0] == "received", name


def test_processing_that_keeps_failing_ends_in_backup_with_the_error(gateway):
    data = simple_message("alice@sender.test", "frank@example.test", "report goes missing")
    message_id = send(gateway, "alice@sender.test", ["frank@example.test"], data)
    wait_for(lambda: any(e["kind"] == "delivered" for e in events(gateway, message_id)))
    # A redelivered hand-off whose scan report cannot be read, on its last attempt.
    handoff = {"message_id": message_id, "bucket": "mailgate-local-mail", "report_key": "reports/missing.json",
               "raw_location": {"bucket": "mailgate-local-mail", "key": f"incoming/{message_id}"},
               "mail_from": "alice@sender.test", "recipients": ["frank@example.test"]}
    record = rules_record(handoff, MAX_ATTEMPTS, "m")
    rules = load_function("rules")
    reply = rules.handler({"Records": [record]}, LocalLambdaContext("mailgate-rules"))
    assert reply["batchItemFailures"] == []  # handled: kept in Backup, not retried forever
    error = next(e for e in events(gateway, message_id) if e["kind"] == "error")
    assert "reports/missing.json" in error["summary"]
    backup = [e for e in events(gateway, message_id) if e["kind"] == "backup"]
    assert backup[-1]["detail"]["error"]


def test_a_failure_before_the_last_attempt_is_retried_not_dropped(gateway):
    handoff = {"message_id": "nope", "bucket": "mailgate-local-mail", "report_key": "reports/absent.json",
               "raw_location": {"bucket": "mailgate-local-mail", "key": "incoming/absent"},
               "mail_from": "", "recipients": ["x@example.test"]}
    record = rules_record(handoff, 1, "first-try")
    reply = load_function("rules").handler({"Records": [record]}, LocalLambdaContext("mailgate-rules"))
    assert reply["batchItemFailures"] == [{"itemIdentifier": "first-try"}]
