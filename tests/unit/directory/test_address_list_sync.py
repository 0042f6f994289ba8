"""The Mail Manager address list follows the directory: the adapter (mailgate.aws.mail_manager) through boto3 against a
local fake of the service's address-list operations that enforces the API's limits (tests/support/mail_manager_fake.py),
and ldap_sync's step that keeps the list equal to the directory cache's recipients."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from mailgate.aws import clients
from mailgate.aws.mail_manager import MailManagerAddressList
from mailgate.directory.address_list import AddressListError, synchronise_address_list
from tests.support.mail_manager_fake import MailManagerFake, cbor_decode, cbor_encode

LIST = "al-0123abcd"


@pytest.fixture
def fake() -> Iterator[MailManagerFake]:
    with MailManagerFake() as server:
        server.create_list(LIST)
        yield server


def mailmanager(fake: MailManagerFake, attempts: int = 1):
    return boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test").client(
        "mailmanager", region_name="us-east-1", endpoint_url=fake.url,
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}))


def address_list(fake: MailManagerFake, **kwargs) -> MailManagerAddressList:
    return MailManagerAddressList(LIST, mailmanager(fake), sleep=lambda _s: None, **kwargs)


def addresses(n: int, domain: str = "example.test") -> frozenset[str]:
    return frozenset(f"user{i:05d}@{domain}" for i in range(n))


def test_the_list_is_made_equal_to_the_directory_one_member_at_a_time(fake):
    fake.create_list(LIST, "gone@example.test", "alice@example.test")

    report = synchronise_address_list(address_list(fake), frozenset({"alice@example.test", "bob@example.test"}),
                                      may_remove=True)

    assert (report.added, report.removed, report.errors, report.left) == (1, 1, [], 0)
    assert fake.members(LIST) == {"alice@example.test", "bob@example.test"}
    assert fake.operations() == ["ListMembersOfAddressList", "RegisterMemberToAddressList",
                                 "DeregisterMemberFromAddressList"]
    assert fake.calls[0][1] == {"AddressListId": LIST, "PageSize": 1000}


def test_after_a_failed_sync_members_are_added_but_none_is_removed(fake):
    fake.create_list(LIST, "left@example.test")

    report = synchronise_address_list(address_list(fake), frozenset({"new@example.test"}), may_remove=False)

    assert fake.members(LIST) == {"left@example.test", "new@example.test"}
    assert report.removed == 0 and "no member is removed" in report.skipped


def test_a_directory_without_recipients_never_empties_the_list(fake):
    fake.create_list(LIST, "alice@example.test")

    report = synchronise_address_list(address_list(fake), frozenset(), may_remove=True)

    assert fake.members(LIST) == {"alice@example.test"} and fake.calls == []
    assert "keeps its members" in report.skipped


def test_members_are_read_across_pages(fake):
    fake.create_list(LIST, *addresses(2500))

    assert address_list(fake).members() == addresses(2500)
    assert [c[1].get("NextToken") for c in fake.calls] == [None, "page-1000", "page-2000"]


def test_a_large_change_goes_through_an_import_job_with_a_csv_upload(fake):
    fake.processing_polls = 2  # the job is PROCESSING twice before it completes
    wanted = addresses(1500)

    report = synchronise_address_list(address_list(fake), wanted, may_remove=True)

    assert fake.members(LIST) == wanted
    assert report.import_job is not None and report.import_job.status == "COMPLETED"
    assert (report.added, report.errors) == (1500, [])
    assert "RegisterMemberToAddressList" not in fake.operations()
    assert fake.operations() == ["ListMembersOfAddressList", "CreateAddressListImportJob",
                                 "StartAddressListImportJob", *["GetAddressListImportJob"] * 2]
    [job] = fake.jobs.values()
    assert job.upload.decode().splitlines()[:2] == ["address", "user00000@example.test"]
    assert fake.calls[1][1]["ImportDataFormat"] == {"ImportDataType": "CSV"}


def test_an_import_job_still_running_when_the_sync_stops_waiting_is_not_an_error(fake):
    fake.processing_polls = 100
    ticks = iter(range(0, 1000, 50))

    report = synchronise_address_list(address_list(fake, clock=lambda: next(ticks), wait_seconds=120),
                                      addresses(1001), may_remove=True)

    assert report.import_job.status == "PROCESSING" and report.errors == []


def test_throttling_is_reported_and_the_rest_left_for_the_next_sync_not_raised(fake):
    fake.create_list(LIST, "old1@example.test", "old2@example.test")
    fake.fail("RegisterMemberToAddressList", "ThrottlingException", times=1)

    report = synchronise_address_list(address_list(fake), frozenset({"a@example.test", "b@example.test"}),
                                      may_remove=True)

    assert report.left == 4 and report.added == 0 and report.removed == 0
    assert report.errors == ["ThrottlingException: ThrottlingException (injected)"]
    assert fake.members(LIST) == {"old1@example.test", "old2@example.test"}


def test_botocore_retries_a_passing_throttle_through_the_shared_client(fake, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_MAILMANAGER", fake.url)  # as local mode points one service elsewhere
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    clients.reset()
    try:
        fake.fail("RegisterMemberToAddressList", "ThrottlingException", times=1)
        report = synchronise_address_list(MailManagerAddressList(LIST), frozenset({"a@example.test"}), True)
    finally:
        clients.reset()
    assert (report.added, report.errors) == (1, [])
    assert fake.operations().count("RegisterMemberToAddressList") == 2


def test_an_address_the_service_refuses_is_reported_and_the_others_go_on(fake):
    report = synchronise_address_list(address_list(fake), frozenset({"a@localhost", "b@example.test"}), True)

    assert fake.members(LIST) == {"b@example.test"} and report.added == 1
    [error] = report.errors
    assert error.startswith("a@localhost: ValidationException")


def test_a_missing_list_is_reported(fake):
    report = synchronise_address_list(MailManagerAddressList("al-missing", mailmanager(fake)),
                                      frozenset({"a@example.test"}), True)

    assert report.skipped == "the list's members could not be read"
    assert report.errors[0].startswith("ResourceNotFoundException")


def test_the_fake_enforces_the_models_limits(fake):
    client = mailmanager(fake)
    with pytest.raises(client.exceptions.ValidationException):
        client.register_member_to_address_list(AddressListId="bad id!", Address="a@example.test")
    client.register_member_to_address_list(AddressListId=LIST, Address="a@example.test")
    with pytest.raises(client.exceptions.ConflictException):
        client.register_member_to_address_list(AddressListId=LIST, Address="a@example.test")
    with pytest.raises(client.exceptions.ValidationException):
        client.list_members_of_address_list(AddressListId=LIST, PageSize=1001)
    adapter = address_list(fake)
    assert adapter.register("a@example.test") is False and adapter.deregister("zz@example.test") is False
    with pytest.raises(AddressListError) as refused:
        adapter.register("x" * 400 + "@example.test")  # the model's 320 characters, checked by the service
    assert refused.value.code == "ValidationException"
    assert cbor_decode(cbor_encode({"a": [1, -2, "x", None, True, 1.5]})) == {"a": [1, -2, "x", None, True, 1.5]}


def test_ldap_sync_keeps_the_list_after_a_successful_run_and_never_shrinks_it_after_a_failed_one(fake, aws,
                                                                                                 monkeypatch):
    import json

    from mailgate.aws import resources
    from mailgate.aws.directory_table import DynamoDirectoryStore
    from mailgate.directory.connection import parse_connection
    from mailgate.directory.status import SyncRun
    from mailgate.wiring import ldap_sync, process

    from .build import entry, snapshot

    resources.create_directory_table("directory")
    store = DynamoDirectoryStore("directory")
    store.put_connection(parse_connection({
        "connection_id": "corp", "name": "Corp", "domain": "example.test", "base_dn": "DC=example,DC=test",
        "bind_dn": "svc@example.test", "password_secret": "mailgate/ldap/corp"}))
    store.publish(snapshot(entry("user", "Alice", "alice@example.test", "alice@elsewhere.test"),
                           entry("group", "Sales", "sales@example.test")), 0)
    fake.create_list(LIST, "gone@example.test")
    monkeypatch.setenv("MAIL_MANAGER_ADDRESS_LIST", LIST)
    monkeypatch.setenv("AWS_ENDPOINT_URL_MAILMANAGER", fake.url)
    verification = {"also_accept": ["info@example.test"]}
    monkeypatch.setenv("MAILGATE_CONFIG", json.dumps({"domains": {"example.test": {}},
                                                      "recipient_verification": verification}))
    monkeypatch.delenv("SETTINGS_TABLE", raising=False)
    monkeypatch.delenv("MAILGATE_CONFIG_FILE", raising=False)
    process.reset()
    clients.reset()

    failed = SyncRun(sync_id="s1", connection_id="corp", trigger="schedule", requested_at="")
    failed.state = "failed"
    succeeded = SyncRun(sync_id="s2", connection_id="corp", trigger="schedule", requested_at="")
    succeeded.state = "succeeded"
    try:
        assert ldap_sync.address_list(store, [failed]) is None  # nothing synchronised: the list is not touched
        assert fake.calls == []
        report = ldap_sync.address_list(store, [succeeded, failed])
        assert fake.members(LIST) == {"gone@example.test", "alice@example.test", "sales@example.test",
                                      "info@example.test", "postmaster@example.test"}  # abuse@* replaced
        assert report.removed == 0
        report = ldap_sync.address_list(store, [succeeded])
        assert "gone@example.test" not in fake.members(LIST) and report.removed == 1 and report.errors == []
    finally:
        process.reset()
        clients.reset()


def test_the_fake_also_speaks_rpc_v2_cbor_as_botocore_reads_it(fake):
    """The model offers both protocols; botocore picks awsJson1_0 today, so the CBOR side is checked here with
    botocore's own serializer and parser."""
    import urllib.request

    from botocore.parsers import RpcV2CBORParser
    from botocore.serialize import RpcV2CBORSerializer

    from tests.support.mail_manager_fake import _MODEL

    fake.create_list(LIST, "alice@example.test")
    operation = _MODEL.operation_model("ListMembersOfAddressList")
    request = RpcV2CBORSerializer().serialize_to_request({"AddressListId": LIST, "PageSize": 10}, operation)
    http = urllib.request.Request(fake.url + request["url_path"], data=request["body"], method="POST",
                                  headers={**request["headers"], "Authorization": "AWS4-HMAC-SHA256 test"})
    with urllib.request.urlopen(http, timeout=10) as reply:
        parsed = RpcV2CBORParser().parse({"body": reply.read(), "headers": dict(reply.headers),
                                          "status_code": reply.status}, operation.output_shape)
    assert [a["Address"] for a in parsed["Addresses"]] == ["alice@example.test"]
    assert parsed["Addresses"][0]["CreatedTimestamp"].year >= 2024


def test_the_ldap_sync_handler_reports_a_list_it_cannot_change_and_never_fails_for_it(fake, aws, monkeypatch):
    from mailgate.aws import resources
    from mailgate.aws.directory_table import DynamoDirectoryStore
    from mailgate.directory.connection import parse_connection
    from mailgate.directory.runner import SyncEnvironment
    from mailgate.directory.status import SyncRun
    from mailgate.local.functions import load_function
    from mailgate.wiring import process

    from .build import entry, snapshot

    resources.create_directory_table("directory")
    store = DynamoDirectoryStore("directory")
    store.put_connection(parse_connection({
        "connection_id": "corp", "name": "Corp", "domain": "example.test", "base_dn": "DC=example,DC=test",
        "bind_dn": "svc@example.test", "password_secret": "mailgate/ldap/corp"}))
    store.publish(snapshot(entry("user", "Alice", "alice@example.test")), 0)
    for name, value in {"DIRECTORY_TABLE": "directory", "MAIL_MANAGER_ADDRESS_LIST": LIST,
                        "AWS_ENDPOINT_URL_MAILMANAGER": fake.url,
                        "MAILGATE_CONFIG": '{"domains": {"example.test": {}}}'}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SETTINGS_TABLE", raising=False)
    monkeypatch.delenv("MAILGATE_CONFIG_FILE", raising=False)
    process.reset()
    clients.reset()
    handler = load_function("ldap_sync")
    run = SyncRun(sync_id="s1", connection_id="corp", trigger="schedule", requested_at="")
    run.state = "succeeded"
    try:
        fake.fail("ListMembersOfAddressList", "AccessDeniedException")
        reported = handler._keep_address_list(SyncEnvironment(store, lambda _n: ""), [run])
        assert reported["errors"] == ["AccessDeniedException: AccessDeniedException (injected)"]
        assert fake.members(LIST) == set()

        gone = DynamoDirectoryStore("no-such-table")  # the cache itself unreadable: logged, nothing raised
        assert handler._keep_address_list(SyncEnvironment(gone, lambda _n: ""), [run]) is None

        reported = handler._keep_address_list(SyncEnvironment(store, lambda _n: ""), [run])
        assert reported["added"] == 3 and fake.members(LIST) == {"alice@example.test", "postmaster@example.test",
                                                                  "abuse@example.test"}
    finally:
        process.reset()
        clients.reset()
