"""The Backup routes as an administrator, an auditor and a personal user call them: search with filters,
counts, one entry, deletion of one and of many after a count."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.backup.model import BackupRecord, HeldBy, backup_id_for
from mailgate.events.model import utc_now
from tests.unit.api.resolver import MAIL_BUCKET, call, local_app


def keep(n: int, recipients: tuple[str, ...], held_by: HeldBy = HeldBy.ANTISPAM, sender: str = "news@bulk.test",
         subject: str = "Weekly offer") -> BackupRecord:
    message_id = f"m{n}"
    backup_id = backup_id_for(message_id, recipients)
    record = BackupRecord(backup_id=backup_id, message_id=message_id, recipients=recipients, sender=sender,
                          subject=subject, reason="spam", object_key=f"backup/{backup_id}.eml", held_by=held_by,
                          created_at=utc_now(), size=10)
    client("s3").put_object(Bucket=MAIL_BUCKET, Key=record.object_key, Body=b"Subject: x\r\n\r\nx\r\n")
    DynamoBackupIndex("backup").put(record)
    return record


@pytest.fixture
def app(aws):
    return local_app()


def test_search_by_sender_and_subject_and_reason(app):
    keep(1, ("bob@example.org",), subject="Cheap watches")
    keep(2, ("bob@example.org",), HeldBy.ANTIVIRUS, sender="alice@partner.test", subject="Invoice")
    status, found = call(app, "GET", "/backup?sender=alice@partner.test&subject=INVOICE", "SecurityOfficer")
    assert status == 200 and [e["message_id"] for e in found["items"]] == ["m2"]
    assert found["items"][0]["held_by"] == "antivirus" and found["items"][0]["released"] is False
    _, spam = call(app, "GET", "/backup?held_by=antispam", "Auditor")
    assert [e["message_id"] for e in spam["items"]] == ["m1"]
    _, counts = call(app, "GET", "/backup/counts", "Auditor")
    assert (counts["counts"]["antispam"], counts["counts"]["antivirus"], counts["total"]) == (1, 1, 2)
    assert (counts["entries_now"], counts["bytes_now"]) == (2, 20)


@pytest.mark.parametrize(("query", "status", "says"), [
    ("sender_ip=10.0.0.300", 400, "sender_ip"),
    ("from=2026-12-05&to=2026-12-01", 400, "from is after to"),
    ("held_by=everything", 422, "held_by"),
    ("from=2020-01-01&to=2026-12-01", 422, "longer than 400 days"),
])
def test_a_search_that_cannot_run_says_why(app, query, status, says):
    got, body = call(app, "GET", f"/backup?{query}", "Administrator")
    assert got == status
    assert says in str(body)


def test_a_personal_user_sees_only_their_own_and_not_the_other_recipients(app):
    shared = keep(1, ("ann@example.org", "carol@example.org"))
    keep(2, ("carol@example.org",))
    status, mine = call(app, "GET", "/backup", "PersonalUser")  # ann@example.org
    assert status == 200 and [e["message_id"] for e in mine["items"]] == ["m1"]
    assert mine["items"][0]["recipients"] == ["ann@example.org"]
    got, one = call(app, "GET", f"/backup/{quote(shared.backup_id)}", "PersonalUser")
    assert got == 200 and one["recipients"] == ["ann@example.org"]
    _, theirs = call(app, "GET", "/backup?recipient=carol@example.org", "PersonalUser")
    assert theirs["items"] == []
    assert call(app, "GET", "/backup/counts", "PersonalUser")[0] == 403
    assert call(app, "DELETE", f"/backup/{quote(shared.backup_id)}", "PersonalUser")[0] == 403


def test_delete_one_and_many_after_a_count(app):
    first = keep(1, ("bob@example.org",))
    for n in range(2, 6):
        keep(n, ("bob@example.org",), sender="promo@bulk.test")
    keep(6, ("bob@example.org",), HeldBy.ANTIVIRUS, sender="promo@bulk.test")
    assert call(app, "DELETE", f"/backup/{quote(first.backup_id)}", "Auditor")[0] == 403
    status, removed = call(app, "DELETE", f"/backup/{quote(first.backup_id)}", "Administrator")
    assert status == 200 and removed["removed"] == [first.backup_id]
    assert call(app, "GET", f"/backup/{quote(first.backup_id)}", "Administrator")[0] == 404
    assert call(app, "DELETE", f"/backup/{quote(first.backup_id)}", "Administrator")[0] == 404
    spam = {"sender": "promo@bulk.test", "held_by": "antispam"}
    status, counted = call(app, "POST", "/backup/delete", "SecurityOfficer", {"filter": spam})
    assert status == 200 and (counted["dry_run"], counted["matched"], counted["removed"]) == (True, 4, [])
    _, part = call(app, "POST", "/backup/delete", "SecurityOfficer", {"filter": spam, "dry_run": False, "limit": 3})
    assert (part["matched"], part["more"], len(part["removed"])) == (3, True, 3)
    _, rest = call(app, "POST", "/backup/delete", "SecurityOfficer", {"filter": spam, "dry_run": False})
    assert len(rest["removed"]) == 1
    _, left = call(app, "GET", "/backup", "Administrator")
    assert [e["held_by"] for e in left["items"]] == ["antivirus"]
    objects = client("s3").list_objects_v2(Bucket=MAIL_BUCKET).get("Contents", [])
    assert len(objects) == 1
    assert call(app, "POST", "/backup/delete", "Administrator", {"filter": {"colour": "red"}})[0] == 422


def test_a_user_asks_for_a_release_and_the_administrator_declines_with_a_reason(app):
    virus = keep(1, ("ann@example.org", "carol@example.org"), HeldBy.ANTIVIRUS)
    target = f"/backup/{quote(virus.backup_id)}/release-request"
    assert call(app, "POST", target, "Administrator", {})[0] == 403  # an administrator releases, not asks
    status, asked = call(app, "POST", target, "PersonalUser", {"note": "the invoice I expected"})
    assert status == 202 and asked["history"][-1]["action"] == "release_requested"
    assert call(app, "POST", target, "PersonalUser", {})[0] == 409  # asked already
    _, pending = call(app, "GET", "/backup/release-requests", "Auditor")
    assert [e["backup_id"] for e in pending["items"]] == [virus.backup_id]
    assert call(app, "POST", f"{target}/decline", "Auditor", {})[0] == 403
    status, declined = call(app, "POST", f"{target}/decline", "SecurityOfficer", {"reason": "it is a virus"})
    assert status == 200 and declined["history"][-1]["outcome"] == "declined: it is a virus"
    assert call(app, "GET", "/backup/release-requests", "Auditor")[1]["items"] == []
    assert call(app, "POST", f"{target}/decline", "SecurityOfficer", {})[0] == 409  # nothing to answer now
    _, seen = call(app, "GET", f"/backup/{quote(virus.backup_id)}", "PersonalUser")
    assert [h["action"] for h in seen["history"]] == ["release_requested", "release_declined"]
    other = keep(2, ("carol@example.org",), HeldBy.ANTIVIRUS)
    assert call(app, "POST", f"/backup/{quote(other.backup_id)}/release-request", "PersonalUser", {})[0] == 404


def test_an_account_the_directory_reports_as_duplicated_has_no_personal_backup(aws):
    from mailgate.api.app import create_app
    from mailgate.api.ports import Ports
    from mailgate.aws import resources
    from mailgate.aws.directory_table import DynamoDirectoryStore
    from mailgate.aws.event_table import DynamoEventLog
    from mailgate.aws.password_vault import SecretsManagerVault
    from mailgate.aws.settings_table import DynamoSettingsStore
    from mailgate.config import GatewayConfig
    from mailgate.directory.connection import parse_connection
    from mailgate.directory.service import DirectoryAdmin
    from mailgate.settings.service import SettingsService
    from tests.unit.directory.build import entry, snapshot

    local_app()  # the tables and the bucket
    resources.create_directory_table("directory")
    store = DynamoDirectoryStore("directory")
    store.put_connection(parse_connection({
        "connection_id": "corp", "name": "Corp", "domain": "example.org", "base_dn": "DC=example,DC=org",
        "bind_dn": "svc@example.org", "password_secret": "mailgate/ldap/corp"}))
    store.publish(snapshot(entry("user", "Ann", "ann@example.org"), entry("user", "Ann Other", "ann@example.org")), 0)
    directory = DirectoryAdmin(store, SecretsManagerVault(), lambda connection, sync: None)
    keep(1, ("ann@example.org",))
    config = GatewayConfig(authserv_id="mx.example.org")
    app = create_app(Ports(events=lambda: DynamoEventLog("events"), backup=lambda: DynamoBackupIndex("backup"),
                           settings=lambda: SettingsService(DynamoSettingsStore("settings"), lambda: config),
                           config=lambda: config, directory=lambda: directory))
    status, refused = call(app, "GET", "/backup", "PersonalUser")
    assert status == 403 and "duplicated" in refused["message"]
    assert call(app, "GET", "/backup", "Administrator")[0] == 200


def test_an_administrator_cannot_let_users_release_viruses_or_phishing_themselves(app):
    _, general = call(app, "GET", "/settings/general", "Administrator")
    for reason in ("antivirus", "antiphishing"):
        status, refused = call(app, "PATCH", "/settings/general", "Administrator",
                               {"version": general["version"], "backup_self_release": ["antispam", reason]})
        assert status == 422 and "backup_self_release" in str(refused)
