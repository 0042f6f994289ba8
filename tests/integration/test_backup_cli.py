"""`mailgate backup` against the local gateway, as an administrator works: a virus arrives over SMTP and is held,
the administrator finds it by sender and subject, deletes what a filter selects after seeing the count."""

from __future__ import annotations

import json
import uuid

import pytest

from mailgate.api.roles import Role
from mailgate.scanners.antivirus.database import EICAR
from tests.support.cli import run_mailgate
from tests.support.cognito import api, token
from tests.support.local_gateway import outcomes, send, simple_message

pytestmark = pytest.mark.integration


def backup_cli(gateway, *args: str, role: Role = Role.ADMINISTRATOR):
    return run_mailgate("backup", *args, "--api", gateway.api_url, "--token", token(gateway, role))


def test_an_administrator_finds_a_held_virus_views_downloads_and_deletes_it_after_the_count(gateway, tmp_path):
    sender = f"cli-{uuid.uuid4().hex[:8]}@sender.test"
    data = simple_message(sender, "bob@example.test", "Quarterly figures \x1b[31mred",
                          body="Here it is inline:\n" + EICAR.decode() + "\n")
    message_id = send(gateway, sender, ["bob@example.test", "carol@example.test"], data)
    outcomes(gateway, message_id, recipients=2)

    listed = backup_cli(gateway, "list", "--sender", sender, "--subject", "QUARTERLY", "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (entry["message_id"], entry["held_by"]) == (message_id, "antivirus")
    assert sorted(entry["recipients"]) == ["bob@example.test", "carol@example.test"]
    plain = backup_cli(gateway, "list", "--sender", sender)
    assert entry["backup_id"] in plain.stdout and "\x1b" not in plain.stdout  # no terminal escapes from a sender

    assert backup_cli(gateway, "list", "--sender", sender, "--held-by", "antispam", "--json").stdout == ""
    shown = backup_cli(gateway, "show", entry["backup_id"])
    assert shown.returncode == 0 and "Quarterly figures" in shown.stdout and "\x1b" not in shown.stdout
    refused_download = backup_cli(gateway, "download", entry["backup_id"], "-o", str(tmp_path / "x.eml"))
    assert refused_download.returncode == 1 and "include_infected" in refused_download.stderr
    saved = tmp_path / "virus.eml"
    downloaded = backup_cli(gateway, "download", entry["backup_id"], "--include-infected", "-o", str(saved))
    assert downloaded.returncode == 0, downloaded.stderr
    assert saved.read_bytes().endswith(data)  # the original as it arrived, after our Received field
    as_auditor = run_mailgate("backup", "list", "--api", gateway.api_url, "--state-dir", str(gateway.state_dir),
                              "--user", "auditor", "--sender", sender, "--json")  # a token from the state folder
    assert [json.loads(line)["backup_id"] for line in as_auditor.stdout.splitlines()] == [entry["backup_id"]]
    refused = backup_cli(gateway, "delete", "--sender", sender, "--yes", role=Role.AUDITOR)
    assert refused.returncode == 1 and "403" in refused.stderr

    counted = backup_cli(gateway, "delete", "--sender", sender)
    assert (counted.returncode, counted.stdout.strip()) == (0, "1 entries match; add --yes to delete them")
    deleted = backup_cli(gateway, "delete", "--sender", sender, "--yes")
    assert deleted.stdout.strip() == "deleted 1 entries"
    assert backup_cli(gateway, "list", "--sender", sender, "--json").stdout == ""
    status, found = api(gateway, "GET", f"/messages/{message_id}/events")
    assert status == 200 and "backup_removed" in [e["kind"] for e in found["events"]]


def test_bad_input_says_what_to_do(gateway):
    bad_ip = backup_cli(gateway, "list", "--sender-ip", "10.0.0.300")
    assert bad_ip.returncode == 1 and "sender_ip" in bad_ip.stderr
    nothing = backup_cli(gateway, "delete")
    assert nothing.returncode == 2 and "give entry ids, or filters" in nothing.stderr
    unreachable = run_mailgate("backup", "list", "--api", "http://127.0.0.1:9", "--token", "x")
    assert unreachable.returncode == 2 and "give its URL with --api" in unreachable.stderr
