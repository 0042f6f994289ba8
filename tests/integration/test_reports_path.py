"""Summary reports through local mode: mail sent over SMTP (one held) → POST /reports/run → the PDF is kept in
the mail bucket and downloadable, reads (pdftotext) as the report with its title, period and received count, and
the report mail arrives downstream at the configured address with the PDF attached and the charts inline."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.request import urlopen

import pytest

from mailgate.api.roles import Role
from mailgate.local.gateway import LocalGateway
from mailgate.scanners.antivirus.database import EICAR
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message, wait_for
from tests.support.settings_api import put_section

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")]

ADMIN_BOX = "carol@example.test"


def reports_to(gw: LocalGateway, to: str, report_id_day: str) -> list[EmailMessage]:
    found = []
    for path in sorted(Path(gw.delivered_dir).glob("*.eml")):
        if not path.with_suffix(".json").exists():
            continue
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if str(message["Subject"] or "").startswith("Mail gateway summary report") and message["To"] == to \
                and report_id_day in str(message["Subject"]):
            found.append(message)
    return found


def test_a_report_is_made_kept_listed_and_mailed(gateway, restore_settings, tmp_path):
    put_section(gateway, "reports", lambda s: {**s, "recipients": [ADMIN_BOX], "time_zone": "UTC"})
    sender = f"report-{uuid.uuid4().hex[:8]}@sender.test"
    clean = send(gateway, sender, ["bob@example.test"], simple_message(sender, "bob@example.test", "figures"))
    held = send(gateway, sender, ["bob@example.test"],
                simple_message(sender, "bob@example.test", "invoice", body="Inline:\n" + EICAR.decode() + "\n"))
    assert {e["kind"] for e in outcomes(gateway, clean)} == {"delivered"}
    assert "backup" in {e["kind"] for e in outcomes(gateway, held)}
    today = datetime.now(UTC).date().isoformat()

    status, made = api(gateway, "POST", "/reports/run", body={"period": "day", "end": today})
    assert status == 200, made
    assert made["mailed_to"] == [ADMIN_BOX] and made["not_mailed"] == {}
    with urlopen(made["download_url"], timeout=30) as reply:
        pdf = reply.read()
    assert pdf.startswith(b"%PDF") and len(pdf) == made["size"]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    words = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Mail gateway summary report" in words and f"Period: {today} (UTC)" in words
    received = re.search(r"^\s*received\s+(\d+)\s*$", words, re.MULTILINE)
    assert received and int(received[1]) >= 2, words  # the shared gateway counts other tests' mail too
    # (the held sender's place on the top list is not checked here: the shared gateway holds many other tests'
    # senders with as many entries; tests/unit/reports check the list and its escaping)

    [mail] = wait_for(lambda: reports_to(gateway, ADMIN_BOX, today))
    attachments = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(attachments) == 1 and attachments[0].get_content().startswith(b"%PDF")
    html = mail.get_body(("html",)).get_content()
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 2 and all(f'cid:{p["Content-ID"].strip("<>")}' in html for p in images)

    status, listed = api(gateway, "GET", "/reports", role=Role.AUDITOR)
    assert status == 200, listed
    assert made["report_id"] in {r["report_id"] for r in listed["reports"]}


def test_the_hourly_run_makes_the_daily_report_in_the_hour_the_settings_name(gateway, restore_settings):
    """EventBridge Scheduler invokes the api function every hour; the hour and zone are read from the settings at
    each run, so a changed hour applies without a deployment."""
    now = datetime.now(UTC)
    other = (now.hour + 12) % 24
    put_section(gateway, "reports", lambda s: {**s, "daily": True, "hour": other, "time_zone": "UTC",
                                                "recipients": [ADMIN_BOX]})
    answer = gateway.jobs.run("summary_reports_at_hour")
    assert "reports" not in answer["result"] and f"runs at {other:02d}:00" in answer["result"]["skipped"]
    for _ in range(2):  # an hour may begin between the settings change and the run
        hour = datetime.now(UTC).hour
        put_section(gateway, "reports", lambda s, hour=hour: {**s, "hour": hour})
        answer = gateway.jobs.run("summary_reports_at_hour")
        if "reports" in answer["result"]:
            break
    [made] = answer["result"]["reports"]
    assert made["period"] == "day" and made["mailed_to"] == [ADMIN_BOX]
    status, listed = api(gateway, "GET", "/reports", role=Role.AUDITOR)
    assert status == 200 and made["report_id"] in {r["report_id"] for r in listed["reports"]}
