"""Application notices to the administrators, through the local gateway (issue 17).

A directory connection to a real slapd that starts failing is announced once, however often it is synchronised
while it fails, and once more when it works again; each goes through the gateway's own-mail path (the rules
function relays it) into the downstream folder. A settings import is announced; a kind switched off is not.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.directory.connection import ServerAddress
from mailgate.local.functions import LocalLambdaContext, load_function
from mailgate.local.gateway import DIRECTORY_TABLE
from mailgate.wiring import process
from tests.integration.test_antispam_feedback import fresh_model  # noqa: F401 - a fixture
from tests.integration.test_directory_sync import connection
from tests.support.cognito import api
from tests.support.local_gateway import send, simple_message, wait_for
from tests.support.settings_api import put_section, settings_restored
from tests.support.slapd import free_port
from tests.support.smtp_servers import RecordingServer

pytestmark = pytest.mark.integration


@pytest.fixture
def administrator(gateway: Any) -> Iterator[str]:
    """A fresh administrator address of the local gateway's accepted domain, the only recipient of notices."""
    address = f"admin-{uuid.uuid4().hex[:8]}@example.test"
    restoring = settings_restored(gateway)
    next(restoring)
    put_section(gateway, "notifications", lambda s: {**s, "administrator_addresses": [address]})
    yield address
    next(restoring, None)


def notices(gateway: Any, to: str, name: str) -> list[EmailMessage]:
    found = []
    for path in sorted(Path(gateway.delivered_dir).glob("*.eml")):
        envelope = path.with_suffix(".json")
        if not envelope.exists() or to not in json.loads(envelope.read_text()).get("recipients", []):
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["X-Mailgate-Notification"] == name:
            found.append(message)  # type: ignore[arg-type]
    return found


def sync(connection_id: str) -> dict[str, Any]:
    result = load_function("ldap_sync").handler({"connection_id": connection_id, "sync_id": uuid.uuid4().hex},
                                                LocalLambdaContext("mailgate-ldap-sync"))
    [run] = result["runs"]
    return dict(run)


def settled(gateway: Any, to: str, name: str, count: int) -> list[EmailMessage]:
    """The notices of that name once `count` arrived, after a moment more in which no other may arrive."""
    found = wait_for(lambda: notices(gateway, to, name) if len(notices(gateway, to, name)) >= count else None)
    assert len(found) == count, [m["Subject"] for m in found]
    return found


def test_a_failing_directory_is_announced_once_and_its_recovery_once(gateway, administrator, slapd, ldap_ou,
                                                                      secrets):
    ldap_ou.user("Alice Able", "alice", "alice@example.test")
    store = DynamoDirectoryStore(DIRECTORY_TABLE)
    working = replace(connection(secrets, ldap_ou.base, slapd), name="Notice LDAP")
    broken = replace(working, servers=(ServerAddress(host="127.0.0.1", port=free_port()),))  # nobody listens
    store.put_connection(working)
    try:
        assert sync(working.connection_id)["state"] == "succeeded"
        store.put_connection(broken)
        assert sync(broken.connection_id)["state"] == "failed"
        [failing] = settled(gateway, administrator, "app_directory_failing", 1)
        assert "Notice LDAP is failing" in str(failing["Subject"])
        assert failing["Auto-Submitted"] == "auto-generated"

        assert sync(broken.connection_id)["state"] == "failed"  # still failing: no second mail
        store.put_connection(working)
        assert sync(working.connection_id)["state"] == "succeeded"
        [recovered] = settled(gateway, administrator, "app_directory_recovered", 1)
        assert "Notice LDAP works again" in str(recovered["Subject"])
        assert len(notices(gateway, administrator, "app_directory_failing")) == 1
        assert sync(working.connection_id)["state"] == "succeeded"
        assert len(notices(gateway, administrator, "app_directory_recovered")) == 1
    finally:
        store.delete_connection(working.connection_id)


def _import(gateway: Any, change: Any = None) -> None:
    status, exported = api(gateway, "GET", "/settings/export")
    assert status == 200
    exported.pop("exported_at")
    if change is not None:
        change(exported["settings"])
    status, answer = api(gateway, "POST", "/settings/import", body=exported)
    assert status == 200, answer
    process.reset()


def test_a_settings_import_is_announced_unless_that_kind_is_switched_off(gateway, administrator):
    _import(gateway)
    [notice] = settled(gateway, administrator, "app_settings_import", 1)
    assert "All settings were replaced by an import" in str(notice["Subject"])

    def switched_off(settings: dict[str, Any]) -> None:
        settings["application_notifications"] = {"kinds_off": ["settings_import"]}

    _import(gateway, switched_off)
    _import(gateway)  # still switched off: the imported document carries it
    assert len(notices(gateway, administrator, "app_settings_import")) == 1

    def switched_on(settings: dict[str, Any]) -> None:
        settings["application_notifications"] = {"kinds_off": []}

    _import(gateway, switched_on)  # announced under the settings it imports: the two before it sent nothing
    settled(gateway, administrator, "app_settings_import", 2)


@pytest.mark.usefixtures("fresh_model")
def test_feedback_that_changes_the_antispam_model_is_announced_and_a_repeat_is_not(gateway, administrator):
    raw = simple_message("julia@partner.test", "anna@example.test", f"Re: budget {uuid.uuid4().hex[:8]}",
                         "Hi Anna,\n\nthe numbers for the second quarter look right to me.\n\nJulia\n")
    upload = base64.b64encode(raw).decode()
    status, first = api(gateway, "POST", "/antispam/feedback", body={"label": "not_spam", "message": upload})
    assert (status, first["learned"]) == (200, True)
    [notice] = settled(gateway, administrator, "app_antispam_model", 1)
    assert "changed by feedback" in str(notice["Subject"])
    assert "marked a message as not_spam" in notice.get_body().get_content()  # type: ignore[union-attr]

    status, again = api(gateway, "POST", "/antispam/feedback", body={"label": "not_spam", "message": upload})
    assert (status, again["learned"]) == (200, False)  # nothing changed: nothing announced
    status, moved = api(gateway, "POST", "/antispam/feedback", body={"label": "spam", "message": upload})
    assert (status, moved["learned"]) == (200, True)
    settled(gateway, administrator, "app_antispam_model", 2)


def _checks() -> dict[str, Any]:
    from mailgate.environment import SCHEDULED_JOB_KEY

    answer = load_function("api").handler({SCHEDULED_JOB_KEY: "application_checks"}, LocalLambdaContext("mailgate-api"))
    return dict(answer["result"])


def _drain(sqs: Any, url: str) -> None:
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_dead_letter_queue_holding_messages_is_announced_once_and_once_more_when_empty(gateway, administrator):
    from mailgate.aws import clients

    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="mailgate-rules-dlq")["QueueUrl"]
    _drain(sqs, url)  # what earlier tests of the session left there
    _checks()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"poison": True}))
    _checks()  # the local job timer may be the one that sees it: the mail is what counts
    [notice] = settled(gateway, administrator, "app_dead_letters_failing", 1)
    assert "rules queue's dead-letter queue" in str(notice["Subject"])
    assert "dead_letters#rules_dlq" not in _checks()  # still holding it: no second mail

    _drain(sqs, url)
    _checks()
    settled(gateway, administrator, "app_dead_letters_recovered", 1)
    assert len(notices(gateway, administrator, "app_dead_letters_failing")) == 1


def test_signatures_older_than_allowed_are_announced_once_and_once_more_when_fresh(gateway, administrator):
    from mailgate.aws import dynamo
    from mailgate.aws.status_board import STATUS_PARTITION, DynamoStatusBoard
    from mailgate.local.gateway import SETTINGS_TABLE
    from mailgate.scanners.antivirus.signature_watch import STATUS_COMPONENT

    board = DynamoStatusBoard(SETTINGS_TABLE)
    before = board.read(STATUS_COMPONENT)
    fresh = {"stale": False, "age_hours": 2, "max_age_hours": 48, "database_version": 27000}
    try:
        board.publish(STATUS_COMPONENT, fresh)
        _checks()
        board.publish(STATUS_COMPONENT, {**fresh, "stale": True, "age_hours": 73})
        _checks()  # the local job timer may be the one that sees it: the mail is what counts
        [notice] = settled(gateway, administrator, "app_signatures_outdated_failing", 1)
        assert "73 h old" in notice.get_body().get_content()  # type: ignore[union-attr]
        assert "signatures_outdated#clamav" not in _checks()  # still old: no second mail
        board.publish(STATUS_COMPONENT, fresh)
        _checks()  # the local job timer may be the one that sees it: the mail is what counts
        settled(gateway, administrator, "app_signatures_outdated_recovered", 1)
        assert len(notices(gateway, administrator, "app_signatures_outdated_failing")) == 1
    finally:
        if before is not None:
            board.publish(STATUS_COMPONENT, before)
        else:  # as the session had it: nothing published yet
            dynamo.table(SETTINGS_TABLE).delete_item(Key={"pk": STATUS_PARTITION, "sk": STATUS_COMPONENT})


def test_backup_near_its_size_limit_is_announced_once_and_once_more_below_it(gateway, administrator):
    from mailgate.aws import dynamo
    from mailgate.aws.backup_table import TOTALS_KEY
    from mailgate.local.gateway import BACKUP_TABLE

    table = dynamo.table(BACKUP_TABLE)
    before = table.get_item(Key={"backup_id": TOTALS_KEY}).get("Item")
    limit = process.config().backup_max_megabytes * 2**20
    try:
        table.put_item(Item={"backup_id": TOTALS_KEY, "entries": 1, "bytes": 0})
        _checks()
        table.put_item(Item={"backup_id": TOTALS_KEY, "entries": 1000, "bytes": int(limit * 0.95)})
        _checks()  # the local job timer may be the one that sees it: the mail is what counts
        [notice] = settled(gateway, administrator, "app_backup_size_failing", 1)
        assert "(95 %)" in notice.get_body().get_content()  # type: ignore[union-attr]
        assert "backup_size#backup" not in _checks()
        table.put_item(Item={"backup_id": TOTALS_KEY, "entries": 1, "bytes": 0})
        _checks()  # the local job timer may be the one that sees it: the mail is what counts
        settled(gateway, administrator, "app_backup_size_recovered", 1)
        assert len(notices(gateway, administrator, "app_backup_size_failing")) == 1
    finally:
        if before is not None:
            table.put_item(Item=before)
        else:
            table.delete_item(Key={"backup_id": TOTALS_KEY})


def test_a_route_failing_for_the_configured_minutes_is_announced_once_and_once_more_when_it_works(
        gateway, administrator):
    """Mail to a domain whose server is down: the notice comes once the route has failed for a minute (the
    shortest setting), not for every deferred message; a delivery through it again is announced once."""
    put_section(gateway, "application-notifications", lambda s: {**s, "delivery_failing_minutes": 1})
    domain, port = "refusing.test", free_port()  # an accepted domain, its server now down (settings restored after)
    status, current = api(gateway, "GET", "/settings/domains")
    routes = {**current["domains"], domain: {"kind": "smtp", "hosts": [{"host": "127.0.0.1", "port": port}]}}
    status, saved = api(gateway, "PUT", "/settings/domains", body={"version": current["version"], "domains": routes})
    assert status == 200, saved
    process.reset()
    first_failure = time.monotonic()
    for n in range(3):
        send(gateway, "alice@sender.test", [f"user{n}@{domain}"],
             simple_message("alice@sender.test", f"user{n}@{domain}", "down"))
    wait_for(lambda: f"delivery_failing#127.0.0.1:{port}" in _checks() or None, timeout=150, interval=2)
    assert time.monotonic() - first_failure >= 55  # not before the minute
    [notice] = settled(gateway, administrator, "app_delivery_failing_failing", 1)
    assert domain in str(notice["Subject"]) and f"127.0.0.1:{port}" in str(notice["Subject"])
    assert "kept in Backup" in notice.get_body().get_content()  # type: ignore[union-attr]
    assert f"delivery_failing#127.0.0.1:{port}" not in _checks()  # still failing: no second mail

    with RecordingServer(port=port) as server:
        send(gateway, "alice@sender.test", [f"back@{domain}"],
             simple_message("alice@sender.test", f"back@{domain}", "up again"))
        server.wait_for(1, timeout=60)
        _checks()  # the local job timer may be the one that sees it: the mail is what counts
        settled(gateway, administrator, "app_delivery_failing_recovered", 1)
    assert len(notices(gateway, administrator, "app_delivery_failing_failing")) == 1
