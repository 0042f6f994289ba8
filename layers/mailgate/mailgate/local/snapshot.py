"""Local mode's state across restarts: moto keeps it in memory, so a stop writes it to the state folder and
the next start puts it back.

What is kept: every DynamoDB table's items (events, Backup, settings with their audit trail, directory
connections and cache, idempotency records), the objects of the mail bucket (originals, Backup copies, the
learned anti-spam model) and the secrets (directory passwords). Not kept: mail in the queues at the moment of
the stop, and what a `kill -9` or crash interrupts (the snapshot is written on a clean stop only).

Layout: `<state>/snapshot/CURRENT` names the one complete `data-<time>/` folder beside it. A stop writes a new
folder, then replaces CURRENT (an atomic rename), then removes the older folders, so a kill at any moment
leaves either the old or the new snapshot whole. A snapshot that cannot be read is moved aside whole
(`<state>/snapshot-broken-<time>/`) and the gateway starts empty, saying so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailgate.aws.clients import client

FOLDER = "snapshot"
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VERSION = 1
BATCH = 25  # DynamoDB's BatchWriteItem limit
CHUNK = 1024 * 1024


class BrokenSnapshot(Exception):
    """The snapshot cannot be read back whole."""


@dataclass(frozen=True)
class Restored:
    items: int
    objects: int
    secrets: int
    note: str | None = None  # what a start should tell the user (a broken snapshot set aside)


# writing


def save(state_dir: Path, bucket: str) -> Path:
    """Dump every table, the bucket and the secrets into a new snapshot folder and make it the current one."""
    root = state_dir / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"data-{time.strftime('%Y%m%dT%H%M%S')}-{time.monotonic_ns() % 10**9:09d}"
    folder.mkdir()
    folder.chmod(0o700)  # secrets and mail: as private as cognito.json
    manifest = {"version": VERSION, "tables": _save_tables(folder / "tables"),
                "objects": _save_objects(folder / "objects", bucket), "secrets": _save_secrets(folder / "secrets.json")}
    _write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2))
    _write_atomically(root / CURRENT, folder.name + "\n")
    for old in root.iterdir():  # the earlier snapshots and any half-written one of a killed stop
        if old.is_dir() and old.name != folder.name:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    partial.replace(path)


def _save_tables(folder: Path) -> dict[str, int]:
    folder.mkdir()
    ddb = client("dynamodb")
    counts: dict[str, int] = {}
    for name in _paged(ddb.get_paginator("list_tables").paginate(), "TableNames"):
        count = 0
        with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for item in _paged(ddb.get_paginator("scan").paginate(TableName=name), "Items"):
                out.write(json.dumps(_encode(item)) + "\n")
                count += 1
        counts[name] = count
    return counts


def _save_objects(folder: Path, bucket: str) -> list[dict[str, Any]]:
    folder.mkdir()
    s3 = client("s3")
    listed: list[dict[str, Any]] = []
    for summary in _paged(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket), "Contents"):
        key = summary["Key"]
        file = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
        reply = s3.get_object(Bucket=bucket, Key=key)
        size = 0
        with (folder / file).open("wb") as out:
            while chunk := reply["Body"].read(CHUNK):
                out.write(chunk)
                size += len(chunk)
        listed.append({"key": key, "file": file, "size": size, "content_type": reply.get("ContentType"),
                       "metadata": reply.get("Metadata") or {}})
    return listed


def _save_secrets(path: Path) -> int:
    sm = client("secretsmanager")
    secrets: list[dict[str, str]] = []
    for entry in _paged(sm.get_paginator("list_secrets").paginate(), "SecretList"):
        value = sm.get_secret_value(SecretId=entry["ARN"])
        if "SecretString" in value:
            secrets.append({"name": entry["Name"], "string": value["SecretString"]})
        elif "SecretBinary" in value:
            secrets.append({"name": entry["Name"], "binary": base64.b64encode(value["SecretBinary"]).decode()})
    path.write_text(json.dumps(secrets))
    path.chmod(0o600)
    return len(secrets)


def _paged(pages: Iterable[dict[str, Any]], key: str) -> Iterator[Any]:
    for page in pages:
        yield from page.get(key, [])


# reading


def restore(state_dir: Path, bucket: str, keep_secrets: Iterable[str] = ()) -> Restored | None:
    """Put the current snapshot back into moto (the tables and bucket exist already); None when there is none.
    A snapshot that cannot be read is set aside and nothing is restored. `keep_secrets`: names this start
    sets itself, left as they are."""
    root = state_dir / FOLDER
    if not (root / CURRENT).exists():
        return None
    try:
        folder, manifest, tables = _read(root)
    except BrokenSnapshot as exc:
        aside = state_dir / f"{FOLDER}-broken-{time.strftime('%Y%m%dT%H%M%S')}"
        root.rename(aside)
        return Restored(0, 0, 0, note=f"the snapshot of the last run could not be read ({exc}): starting empty; "
                                      f"it is kept in {aside}")
    items = sum(_put_items(name, rows) for name, rows in tables.items())
    objects = _put_objects(folder / "objects", bucket, manifest["objects"])
    secrets = _put_secrets(json.loads((folder / "secrets.json").read_text()), set(keep_secrets))
    return Restored(items, objects, secrets)


def _read(root: Path) -> tuple[Path, dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The current snapshot, checked whole before anything is written: every file there, every count right."""
    try:
        folder = root / (root / CURRENT).read_text().strip()
        manifest = json.loads((folder / MANIFEST).read_text())
        if manifest.get("version") != VERSION:
            raise BrokenSnapshot(f"version {manifest.get('version')!r}, this gateway reads {VERSION}")
        tables: dict[str, list[dict[str, Any]]] = {}
        for name, count in manifest["tables"].items():
            lines = (folder / "tables" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            tables[name] = [_decode(json.loads(line)) for line in lines if line]
            if len(tables[name]) != count:
                raise BrokenSnapshot(f"table {name}: {len(tables[name])} items, the manifest says {count}")
        for entry in manifest["objects"]:
            if (folder / "objects" / entry["file"]).stat().st_size != entry["size"]:
                raise BrokenSnapshot(f"object {entry['key']!r} is cut short")
        json.loads((folder / "secrets.json").read_text())
    except BrokenSnapshot:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BrokenSnapshot(f"{type(exc).__name__}: {exc}") from exc
    return folder, manifest, tables


def _put_items(table: str, items: list[dict[str, Any]]) -> int:
    ddb = client("dynamodb")
    existing = set(_paged(ddb.get_paginator("list_tables").paginate(), "TableNames"))
    if table not in existing:  # a table this version no longer has
        return 0
    for start in range(0, len(items), BATCH):
        requests: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in items[start:start + BATCH]]}
        while requests:
            requests = ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
    return len(items)


def _put_objects(folder: Path, bucket: str, listed: list[dict[str, Any]]) -> int:
    s3 = client("s3")
    for entry in listed:
        extra: dict[str, Any] = {"Metadata": entry.get("metadata") or {}}
        if entry.get("content_type"):
            extra["ContentType"] = entry["content_type"]
        with (folder / entry["file"]).open("rb") as body:
            s3.put_object(Bucket=bucket, Key=entry["key"], Body=body, **extra)
    return len(listed)


def _put_secrets(secrets: list[dict[str, str]], keep: set[str]) -> int:
    sm = client("secretsmanager")
    restored = 0
    for secret in secrets:
        if secret["name"] in keep:
            continue
        value: dict[str, Any] = ({"SecretString": secret["string"]} if "string" in secret
                                 else {"SecretBinary": base64.b64decode(secret["binary"])})
        sm.create_secret(Name=secret["name"], **value)
        restored += 1
    return restored


# DynamoDB's typed JSON, with binary values as base64 (the low-level client reads and takes them as bytes)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
