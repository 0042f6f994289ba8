"""Local mode's snapshot: what a stop writes comes back whole on the next start; a stop killed half-way leaves
the last whole snapshot; a snapshot that cannot be read is set aside and the start goes on empty."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from mailgate.aws import clients, resources
from mailgate.local import snapshot

BUCKET = "mail"
KEYS = ["incoming/abc", "backup/2026/ü ber/x+y.eml", "models/antispam/default/1-n.json.gz"]


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@contextlib.contextmanager
def a_run() -> Iterator[None]:
    """One run of local mode: a fresh, empty moto with the tables and the bucket created."""
    clients.reset()
    with mock_aws():
        resources.create_tables("events", "backup", "idem")
        resources.create_settings_table("settings")
        resources.create_bucket(BUCKET)
        yield
    clients.reset()


def _fill(n: int) -> None:
    ddb = clients.client("dynamodb")
    ddb.put_item(TableName="settings", Item={"pk": {"S": "settings"}, "sk": {"S": "current"},
                                             "version": {"N": str(n)}, "blob": {"B": b"\x00\xff"},
                                             "tags": {"SS": ["a", "b"]}, "nested": {"M": {"l": {"L": [{"N": "1"}]}}}})
    for i in range(30):  # more than one BatchWriteItem
        ddb.put_item(TableName="events", Item={"message_id": {"S": f"m{i}"}, "sk": {"S": "t"}})
    for key in KEYS:
        clients.client("s3").put_object(Bucket=BUCKET, Key=key, Body=f"{key} {n}".encode(),
                                        ContentType="message/rfc822")
    sm = clients.client("secretsmanager")
    if n == 1:
        sm.create_secret(Name="mailgate/directory/corp", SecretString="s3cret")


def _state() -> dict[str, object]:
    ddb, s3 = clients.client("dynamodb"), clients.client("s3")
    settings = ddb.get_item(TableName="settings", Key={"pk": {"S": "settings"}, "sk": {"S": "current"}}).get("Item")
    objects = {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
               for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    secrets = [s["Name"] for s in clients.client("secretsmanager").list_secrets()["SecretList"]]
    return {"settings": settings, "events": ddb.scan(TableName="events")["Count"], "objects": objects,
            "secrets": secrets}


def test_what_a_stop_saves_the_next_start_has(tmp_path):
    with a_run():
        _fill(1)
        before = _state()
        snapshot.save(tmp_path, BUCKET)
    with a_run():
        restored = snapshot.restore(tmp_path, BUCKET)
        assert restored is not None and (restored.items, restored.objects, restored.secrets) == (31, 3, 1)
        assert _state() == before
        assert clients.client("secretsmanager").get_secret_value(SecretId="mailgate/directory/corp")[
            "SecretString"] == "s3cret"
        assert clients.client("s3").get_object(Bucket=BUCKET, Key=KEYS[1])["ContentType"] == "message/rfc822"


def test_a_first_start_has_nothing_to_restore(tmp_path):
    with a_run():
        assert snapshot.restore(tmp_path, BUCKET) is None


def test_a_stop_killed_while_saving_leaves_the_last_whole_snapshot(tmp_path, monkeypatch):
    with a_run():
        _fill(1)
        snapshot.save(tmp_path, BUCKET)
        _fill(2)

        def killed(path: Path) -> int:
            raise KeyboardInterrupt  # a second Ctrl-C, or the power, half-way through

        with monkeypatch.context() as patched:
            patched.setattr(snapshot, "_save_secrets", killed)
            with pytest.raises(KeyboardInterrupt):
                snapshot.save(tmp_path, BUCKET)
    assert len([p for p in (tmp_path / "snapshot").iterdir() if p.is_dir()]) == 2  # the whole one, the half one
    with a_run():
        restored = snapshot.restore(tmp_path, BUCKET)
        assert restored is not None and restored.note is None
        assert _state()["objects"] == {key: f"{key} 1".encode() for key in KEYS}  # the last whole one
        snapshot.save(tmp_path, BUCKET)
    assert len([p for p in (tmp_path / "snapshot").iterdir() if p.is_dir()]) == 1  # the half one is gone


@pytest.mark.parametrize("damage", ["truncated table", "missing object", "garbage manifest", "missing folder"])
def test_a_broken_snapshot_is_set_aside_and_the_start_goes_on_empty(tmp_path, damage):
    with a_run():
        _fill(1)
        folder = snapshot.save(tmp_path, BUCKET)
    if damage == "truncated table":
        table = folder / "tables" / "events.jsonl"
        table.write_text(table.read_text()[:-40])
    elif damage == "missing object":
        next((folder / "objects").iterdir()).unlink()
    elif damage == "garbage manifest":
        (folder / "manifest.json").write_text("{not json")
    else:
        import shutil

        shutil.rmtree(folder)
    with a_run():
        restored = snapshot.restore(tmp_path, BUCKET)
        assert restored is not None and restored.note is not None
        assert "could not be read" in restored.note and "starting empty" in restored.note
        assert _state()["events"] == 0 and _state()["objects"] == {}
        snapshot.save(tmp_path, BUCKET)  # the next stop writes a good one beside the broken one
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("snapshot-broken-")]
    assert len(aside) == 1 and (aside[0] / "CURRENT").exists()
    assert (tmp_path / "snapshot" / "CURRENT").exists()
