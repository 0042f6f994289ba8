"""The ClamAV signature files the scheduled freshclam function publishes under s3://bucket/prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailgate.aws.clients import client

SIGNATURE_SUFFIXES = (".cvd", ".cld", ".cud", ".hdb", ".hsb", ".ndb", ".ldb", ".ign2", ".fp", ".ftm", ".cdb",
                      ".pdb", ".wdb", ".cfg", ".crb", ".idb", ".info", ".gdb", ".imp", ".sfp", ".yar", ".yara")


class S3SignatureStore:
    def __init__(self, location: str) -> None:
        """`location` is s3://bucket/prefix/."""
        if not location.startswith("s3://"):
            raise ValueError(f"signature location must be s3://bucket/prefix/, not {location!r}")
        self.bucket, _, self.prefix = location[5:].partition("/")

    def _objects(self) -> list[dict[str, Any]]:
        paginator = client("s3").get_paginator("list_objects_v2")
        return [obj for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)
                for obj in page.get("Contents", ()) if obj["Key"].endswith(SIGNATURE_SUFFIXES)]

    def version(self) -> str:
        return ",".join(sorted(f"{o['Key']}={o['ETag']}" for o in self._objects()))

    def download(self, directory: Path) -> str:
        objects = self._objects()
        if not objects:
            raise FileNotFoundError(f"no ClamAV signatures under s3://{self.bucket}/{self.prefix}")
        directory.mkdir(parents=True, exist_ok=True)
        s3 = client("s3")
        for obj in objects:
            target = directory / Path(obj["Key"]).name
            partial = target.with_name(target.name + ".part")  # clamd must never load half a file
            s3.download_file(self.bucket, obj["Key"], str(partial))
            partial.replace(target)
        published = {Path(o["Key"]).name for o in objects}
        for old in directory.iterdir():  # a database freshclam replaced (daily.cld → daily.cvd) goes too
            if old.name.endswith(SIGNATURE_SUFFIXES) and old.name not in published:
                old.unlink()
        return ",".join(sorted(f"{o['Key']}={o['ETag']}" for o in objects))
