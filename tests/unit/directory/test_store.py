"""The DynamoDB cache (moto): readers see one whole generation; a failed or late sync changes nothing;
deleting a connection leaves nothing behind; runs of one connection do not overlap."""

from __future__ import annotations

import pytest

from mailgate.aws import resources
from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.directory.connection import parse_connection
from mailgate.directory.model import Snapshot
from mailgate.directory.store import GenerationMoved

from .build import entry, snapshot

TABLE = "directory"


@pytest.fixture
def store(aws):
    resources.create_directory_table(TABLE)
    store = DynamoDirectoryStore(TABLE)
    store.put_connection(parse_connection({
        "connection_id": "corp", "name": "Corp", "domain": "example.test", "base_dn": "DC=example,DC=test",
        "bind_dn": "svc@example.test", "password_secret": "mailgate/ldap/corp"}))
    return store


def big_snapshot(users: int) -> Snapshot:
    import os

    return snapshot(*(entry("user", f"User {i} {os.urandom(24).hex()}", f"user{i}@example.test") for i in range(users)))


def test_a_published_generation_is_read_whole_even_across_many_chunks(store):
    large = big_snapshot(20000)
    assert len(large.encode()) > 350_000  # more than one item
    assert store.publish(large, 0) == 1
    generation, read = store.current("corp")
    assert (generation, len(read.entries)) == (1, 20000)
    assert store.generations() == {"corp": 1}


def test_a_sync_that_lost_the_race_changes_nothing(store):
    store.publish(snapshot(entry("user", "Old", "old@example.test")), 0)
    store.publish(snapshot(entry("user", "Newer", "newer@example.test")), 1)
    with pytest.raises(GenerationMoved):
        store.publish(snapshot(entry("user", "Late", "late@example.test")), 1)
    generation, read = store.current("corp")
    assert generation == 2 and [e.display_name for e in read.entries] == ["Newer"]


def test_chunks_of_a_failed_sync_are_never_read_and_are_cleaned_up(store):
    store.publish(snapshot(entry("user", "Good", "good@example.test")), 0)
    # a sync that died after writing part of generation 2: a chunk nobody points to
    store.table.put_item(Item={"pk": "conn#corp", "sk": "gen#000000002#00000", "data": b"partial"})
    assert store.current("corp")[1].entries[0].display_name == "Good"
    assert store.publish(snapshot(entry("user", "Next", "next@example.test")), 1) == 3
    store.publish(snapshot(entry("user", "Last", "last@example.test")), 3)
    left = store.table.scan()["Items"]
    generations = {i["sk"].split("#")[1] for i in left if i["sk"].startswith("gen#")}
    assert generations == {"000000003", "000000004"}  # the current one and the one before it


def test_a_deleted_connection_leaves_no_cached_data_and_cannot_be_published_to(store):
    store.publish(snapshot(entry("user", "Jane", "jane@example.test")), 0)
    assert store.acquire_lease("corp", "run-1", 60)
    store.delete_connection("corp")
    assert store.table.scan()["Items"] == []
    with pytest.raises(GenerationMoved):
        store.publish(snapshot(entry("user", "Jane", "jane@example.test")), 0)


def test_one_lease_at_a_time_until_released(store):
    assert store.acquire_lease("corp", "run-1", 60)
    assert not store.acquire_lease("corp", "run-2", 60)
    store.release_lease("corp", "run-2")  # not the holder: nothing happens
    assert not store.acquire_lease("corp", "run-2", 60)
    store.release_lease("corp", "run-1")
    assert store.acquire_lease("corp", "run-2", 60)


def test_an_expired_lease_can_be_taken_over(store):
    assert store.acquire_lease("corp", "crashed-run", -1)
    assert store.acquire_lease("corp", "run-2", 60)
