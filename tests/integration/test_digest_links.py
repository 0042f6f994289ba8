"""The daily digest through local mode with real SMTP: spam held for Bob → `mailgate digest` → the digest arrives
downstream → opening its release link changes nothing, confirming it (POST) delivers the message once; the same
link again and a tampered one get a plain refusal page; release-and-allow puts the sender on Bob's allow list."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from mailgate.api.roles import Role
from mailgate.local.gateway import LocalGateway
from mailgate.scanners.antispam.rules import GTUBE
from mailgate.wiring import process
from tests.support.cognito import api
from tests.support.local_gateway import delivered, outcomes, send, simple_message, wait_for

pytestmark = pytest.mark.integration

BOB = "bob@example.test"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def digest_gateway(gateway: LocalGateway, restore_settings: None) -> LocalGateway:
    """The session's gateway with the digest's links pointing at its admin API (as an administrator sets it)."""
    status, exported = api(gateway, "GET", "/settings/export")
    assert status == 200
    exported.pop("exported_at")
    exported["settings"]["digest"] = {**exported["settings"].get("digest", {}), "public_base_url": gateway.api_url}
    assert api(gateway, "POST", "/settings/import", body=exported)[0] == 200
    return gateway


def run_digest(gw: LocalGateway) -> subprocess.CompletedProcess[str]:
    """`mailgate digest --state-dir DIR`, as a user runs it beside `mailgate serve`."""
    return subprocess.run([sys.executable, "-m", "mailgate.cli", "digest", "--state-dir", str(gw.options.state_dir)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)


def digests(gw: LocalGateway, to: str) -> list[EmailMessage]:
    found = []
    for path in sorted(Path(gw.delivered_dir).glob("*.eml")):
        if not path.with_suffix(".json").exists():
            continue
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if str(message["Subject"] or "").startswith("Backup:") and message["To"] == to:
            found.append(message)
    return found


def fetch(method: str, url: str) -> tuple[int, str, str]:
    """(status, Content-Type, page) without any token, as a browser opens a link from a mail."""
    data = b"" if method == "POST" else None
    request = Request(url, data=data, method=method,
                      headers={"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {})
    try:
        with urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()
    except HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_the_digest_arrives_and_its_release_link_delivers_once_and_refuses_reuse_and_tampering(digest_gateway):
    gw = digest_gateway
    sender = f"digest-{uuid.uuid4().hex[:8]}@sender.test"
    message_id = send(gw, sender, [BOB], simple_message(sender, BOB, "Quarterly <b>offer</b>",
                                                        body=f"Buy now.\n{GTUBE}\n"))
    assert "backup" in {e["kind"] for e in outcomes(gw, message_id)}

    done = run_digest(gw)
    assert done.returncode == 0, done.stderr
    assert BOB in done.stdout.splitlines()[0]
    [digest] = wait_for(lambda: [d for d in digests(gw, BOB) if sender in d.get_body(("plain",)).get_content()])
    assert digest["Auto-Submitted"] == "auto-generated"
    text = digest.get_body(("plain",)).get_content()
    markup = digest.get_body(("html",)).get_content()
    assert "Quarterly &lt;b&gt;offer&lt;/b&gt;" in markup and "<b>offer</b>" not in markup
    [ours] = [block for block in re.split(r"\r?\n\r?\n", text) if sender in block]  # one entry's lines
    assert "Subject: Quarterly <b>offer</b>" in ours
    release = re.search(r"^Release: (\S+)", ours, re.M).group(1)
    allow = re.search(r"^Release and always allow this sender: (\S+)", ours, re.M).group(1)
    assert release.startswith(f"{gw.api_url}/links/")

    status, content_type, page = fetch("GET", release)  # a mail scanner or the user opening it: nothing happens
    assert status == 200 and content_type.startswith("text/html")
    assert '<form method="post">' in page and "<script" not in page and "Quarterly &lt;b&gt;offer" in page
    assert delivered(gw, message_id) == []

    status, _, page = fetch("POST", release)
    assert status == 200 and "Message released" in page
    [(copy, envelope)] = wait_for(lambda: delivered(gw, message_id))
    assert envelope["recipients"] == [BOB] and copy["X-Mailgate-Released"].startswith(f"by digest link ({BOB})")

    status, _, page = fetch("POST", release)  # the second use
    assert status == 410 and "already used" in page
    status, _, page = fetch("GET", release)
    assert status == 410 and "already used" in page
    tampered = release[:-4] + ("AAAA" if not release.endswith("AAAA") else "BBBB")
    status, _, page = fetch("POST", tampered)
    assert status == 400 and "not valid" in page and "Quarterly" not in page
    assert len(delivered(gw, message_id)) == 1

    status, _, page = fetch("POST", allow)  # already released to Bob: nothing new, but the sender is allowed
    assert status == 200 and "already been delivered" in page and "allow list" in page
    assert len(delivered(gw, message_id)) == 1
    status, lists = api(gw, "GET", f"/lists/personal/{BOB}")
    assert status == 200 and sender in lists["allow"]

    before = len(digests(gw, BOB))
    again = run_digest(gw)  # nothing new held for Bob: nothing sent to him
    assert again.returncode == 0 and BOB not in again.stdout
    assert len(digests(gw, BOB)) == before


def test_the_digest_settings_are_their_own_section_and_the_hourly_run_keeps_their_hour(gateway, restore_settings):
    """GET/PUT /settings/digest as an administrator changes it; EventBridge Scheduler's hourly invocation sends only
    in the hour the current settings name (a changed hour applies without a deployment)."""
    from datetime import UTC, datetime

    status, current = api(gateway, "GET", "/settings/digest", role=Role.AUDITOR)
    assert status == 200 and current["settings"]["enabled"] is True
    other = (datetime.now(UTC).hour + 12) % 24
    status, refused = api(gateway, "PUT", "/settings/digest", body={
        "version": current["version"], "settings": {**current["settings"], "time_zone": "Mars/Olympus"}})
    assert status == 422 and "Mars/Olympus" in str(refused["problems"]), refused
    status, saved = api(gateway, "PUT", "/settings/digest", body={
        "version": current["version"], "settings": {**current["settings"], "hour": other, "time_zone": "UTC"}})
    assert status == 200 and saved["settings"]["hour"] == other, saved
    process.reset()
    answer = gateway.jobs.run("backup_digest_at_hour")
    assert answer["result"] == {"skipped": answer["result"]["skipped"]}
    assert f"the job runs at {other:02d}:00" in answer["result"]["skipped"]
