"""End to end through local mode: real SMTP in, the real handlers, moto, dnsmasq, SMTP out."""

from __future__ import annotations

import email.policy
import json
import subprocess
import urllib.request

import dkim
import pytest

from mailgate.local.api_server import get_json
from mailgate.local.gateway import LocalGateway
from tests.support.dns_fixtures import DnsTestZone
from tests.support.local_gateway import (
    delivered,
    events,
    outcomes,
    rules_record,
    send,
    simple_message,
    stored_handoff,
    wait_for,
)
from tests.support.smtp_servers import RecordingServer

pytestmark = pytest.mark.integration


def swaks(gw: LocalGateway, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["swaks", "--server", gw.options.host, "--port", str(gw.options.smtp_port),
                           "--helo", "client.sender.test", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def queued_id(swaks_output: str) -> str:
    line = next(line for line in swaks_output.splitlines() if "queued as" in line)
    return line.rsplit(" ", 1)[-1]


def test_mail_sent_with_swaks_arrives_downstream_with_our_headers(gateway):
    result = swaks(gateway, "--from", "alice@sender.test", "--to", "bob@example.test",
                   "--header", "Subject: quarterly figures")
    assert result.returncode == 0, result.stdout
    message_id = queued_id(result.stdout)
    [final] = outcomes(gateway, message_id)
    assert final["kind"] == "delivered"
    [(copy, envelope)] = delivered(gateway, message_id)
    assert envelope["recipients"] == ["bob@example.test"]
    assert envelope["mail_from"] == "alice@sender.test"
    results = copy.get_all("Authentication-Results")
    assert len(results) == 1
    assert results[0].startswith("mailgate.local;")
    assert "spf=pass" in results[0]
    assert "dmarc=pass" in results[0]
    assert copy["X-Mailgate-Action"] == "deliver"
    assert copy["X-Mailgate-Id"] == message_id
    assert "authentication=pass" in copy["X-Mailgate-Verdicts"]
    assert copy["X-Mailgate-Spam-Verdict"] == "not_spam"
    assert copy["X-Mailgate-Spam-Flag"] == "NO"
    assert copy["X-MS-Exchange-Organization-SCL"] in ("0", "1")
    assert copy["Subject"] == "quarterly figures"
    kinds = [e["kind"] for e in events(gateway, message_id)]
    assert kinds[:2] == ["received", "scanned"]
    assert "decision" in kinds


def test_forged_results_and_verdict_headers_from_outside_are_removed(gateway):
    data = simple_message("alice@sender.test", "bob@example.test", "trust me", extra_headers=[
        ("Authentication-Results", "mailgate.local; spf=pass smtp.mailfrom=bank.test; dmarc=pass"),
        ("Authentication-Results", "mx.other.test; spf=pass smtp.mailfrom=sender.test"),
        ("X-Mailgate-Action", "deliver"),
        ("X-Mailgate-Spam-Flag", "NO"),
        ("X-MS-Exchange-Organization-SCL", "-1"),  # would make Exchange skip its own filtering
    ])
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], data)
    outcomes(gateway, message_id)
    [(copy, _)] = delivered(gateway, message_id)
    results = copy.get_all("Authentication-Results")
    ours = [r for r in results if r.startswith("mailgate.local")]
    assert len(ours) == 1
    assert "bank.test" not in ours[0]
    assert any(r.startswith("mx.other.test") for r in results)  # other hosts' results are theirs to keep
    assert copy.get_all("X-Mailgate-Action") == ["deliver"]
    assert copy.get_all("X-Mailgate-Spam-Flag") == ["NO"]
    assert copy.get_all("X-MS-Exchange-Organization-SCL") in (["0"], ["1"])


def test_inbound_mail_is_never_signed_with_our_dkim_keys(gateway, dns_zone: DnsTestZone):
    """The gateway holds a DKIM key for sender.test (settings `dkim_signing`), yet mail that came from outside
    with that From is delivered without our signature: a forger's copy signed by us could be replayed to the
    world as genuine. The sender's own signature stays intact, and our ARC seal records our results."""
    own = dns_zone.key("sender.test", "s1")
    data = simple_message("alice@sender.test", "bob@example.test", "not signed by the gateway")
    senders_copy = dkim.sign(data, b"s1", b"mail.sender.test", own.private_pem, include_headers=[b"from", b"subject"])
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], senders_copy + data)
    outcomes(gateway, message_id)
    [(copy, _)] = delivered(gateway, message_id)
    raw = copy.as_bytes(policy=email.policy.compat32)
    signatures = copy.get_all("DKIM-Signature") or []
    assert len(signatures) == 1 and "d=mail.sender.test" in " ".join(signatures[0].split())
    assert not any("d=sender.test;" in " ".join(s.split()) for s in signatures)
    resolver = dns_zone.resolver()
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: resolver.dkim_dnsfunc(name, timeout))  # the sender's
    assert copy.get_all("ARC-Seal")


def test_dmarc_reject_forgery_is_refused_and_kept_in_backup(gateway):
    # bank.test publishes p=reject and only authorises 198.51.100.0/24; we send from 127.0.0.1.
    result = swaks(gateway, "--from", "security@bank.test", "--to", "bob@example.test",
                   "--header", "From: Bank Security <security@bank.test>",
                   "--header", "Subject: verify your account")
    assert result.returncode == 0, result.stdout  # accepted by SMTP, as SES does; then refused by policy
    message_id = queued_id(result.stdout)
    outcomes(gateway, message_id)
    kinds = {e["kind"] for e in events(gateway, message_id)}
    assert "rejected" in kinds
    assert "backup" in kinds
    assert not delivered(gateway, message_id)
    rejected = next(e for e in events(gateway, message_id) if e["kind"] == "rejected")
    assert "DMARC" in rejected["summary"]
    assert rejected["detail"]["bounced"] is False  # never backscatter to a forged sender
    status, listing = get_json(f"{gateway.api_url}/backup", gateway.admin_token())
    assert status == 200
    entry = next(item for item in listing["items"] if item["message_id"] == message_id)
    assert entry["verdicts"]["authentication"] == "fail"
    assert entry["recipients"] == ["bob@example.test"]


def test_domains_not_accepted_are_refused_during_the_smtp_dialogue(gateway):
    result = swaks(gateway, "--from", "alice@sender.test", "--to", "someone@elsewhere.test")
    assert result.returncode == 24  # swaks: recipient rejected
    assert "550 5.7.1" in result.stdout
    assert "not accepted by this gateway" in result.stdout


def test_undeliverable_mail_ends_in_backup_with_the_error(gateway):
    data = simple_message("alice@sender.test", "carol@unreachable.test", "nobody home")
    message_id = send(gateway, "alice@sender.test", ["carol@unreachable.test"], data)
    [final] = wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "backup"], timeout=60)
    assert final["detail"]["error"]
    kinds = [e["kind"] for e in events(gateway, message_id)]
    assert kinds.count("deferred") == 2  # two queue attempts deferred, the third keeps it in Backup
    assert "delivered" not in kinds
    _status, listing = get_json(f"{gateway.api_url}/backup", gateway.admin_token())
    entry = next(item for item in listing["items"] if item["message_id"] == message_id)
    assert entry["reason"] == "undeliverable after retries"
    assert "refused" in entry["error"].lower() or "connect" in entry["error"].lower()


def test_recipients_with_different_outcomes_are_handled_separately(gateway):
    data = simple_message("alice@sender.test", "bob@example.test, dan@unreachable.test", "two destinations")
    message_id = send(gateway, "alice@sender.test", ["bob@example.test", "dan@unreachable.test"], data)
    wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "backup"], timeout=60)
    [(_copy, envelope)] = delivered(gateway, message_id)
    assert envelope["recipients"] == ["bob@example.test"]
    backup = [e for e in events(gateway, message_id) if e["kind"] == "backup"]
    assert [e["recipient"] for e in backup] == ["dan@unreachable.test"]


def test_permanent_refusal_is_bounced_to_the_sender(gateway, refusing_server: RecordingServer):
    refusing_server.reset()
    refusing_server.reply_to_rcpt("nobody@refusing.test", "550 5.1.1 No such user")
    data = simple_message("alice@sender.test", "nobody@refusing.test", "to a mailbox that is gone")
    message_id = send(gateway, "alice@sender.test", ["nobody@refusing.test"], data)
    [final] = outcomes(gateway, message_id)
    assert final["kind"] == "rejected"
    assert final["detail"]["bounced"] is True
    with urllib.request.urlopen(f"{gateway.moto_url}/moto-api/data.json", timeout=10) as reply:
        sent = json.loads(reply.read())["ses"]["RawMessage"]
    bounce = next(m for m in sent if "alice@sender.test" in m["destinations"] and "5.1.1" in m["raw_data"])
    assert "multipart/report" in bounce["raw_data"]
    assert "nobody@refusing.test" in bounce["raw_data"]


def test_a_retried_hand_off_never_delivers_twice(gateway):
    from mailgate.local.functions import LocalLambdaContext, load_function

    data = simple_message("alice@sender.test", "erin@example.test", "exactly once")
    message_id = send(gateway, "alice@sender.test", ["erin@example.test"], data)
    outcomes(gateway, message_id)
    assert len(delivered(gateway, message_id)) == 1
    handoff = stored_handoff(message_id, ["erin@example.test"])
    record = rules_record(handoff, 2, "redelivered")
    rules = load_function("rules")
    reply = rules.handler({"Records": [record]}, LocalLambdaContext("mailgate-rules"))
    assert reply["batchItemFailures"] == []
    assert len(delivered(gateway, message_id)) == 1
    assert [e["kind"] for e in events(gateway, message_id)].count("delivered") == 1


def test_health_and_validation_errors_from_the_api(gateway):
    status, body = get_json(f"{gateway.api_url}/health")
    assert status == 200
    assert "example.test" in body["accepted_domains"]
    status, _ = get_json(f"{gateway.api_url}/messages/does-not-exist/events", gateway.admin_token())
    assert status == 404
    status, body = get_json(f"{gateway.api_url}/events?limit=0", gateway.admin_token())
    assert status == 422
    status, body = get_json(f"{gateway.api_url}/events?cursor=not-a-token", gateway.admin_token())
    assert status == 400
    assert body["message"] == "invalid page token"
    status, body = get_json(f"{gateway.api_url}/backup?cursor=bm9wZQ", gateway.admin_token())
    assert status == 400
    status, body = get_json(f"{gateway.api_url}/events?from=2026-13-45", gateway.admin_token())
    assert status == 400
    status, body = get_json(f"{gateway.api_url}/events?limit=5", gateway.admin_token())
    assert status == 200
    assert len(body["events"]) <= 5


def test_partly_deferred_recipients_are_retried_without_redelivering_the_others(
        gateway, refusing_server: RecordingServer):
    refusing_server.reset()
    refusing_server.reply_to_rcpt("slow@refusing.test", "451 4.2.0 Mailbox busy, try later")
    data = simple_message("alice@sender.test", "ok@refusing.test, slow@refusing.test", "half now, half later")
    message_id = send(gateway, "alice@sender.test", ["ok@refusing.test", "slow@refusing.test"], data)
    backup = wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "backup"], timeout=60)
    assert [e["recipient"] for e in backup] == ["slow@refusing.test"]
    mine = [m for m in refusing_server.messages if f"X-Mailgate-Id: {message_id}".encode() in m.data]
    assert [list(m.rcpt_tos) for m in mine] == [["ok@refusing.test"]]  # delivered once, never again on retries
    delivered_events = [e for e in events(gateway, message_id) if e["kind"] == "delivered"]
    assert [e["recipient"] for e in delivered_events] == ["ok@refusing.test"]
