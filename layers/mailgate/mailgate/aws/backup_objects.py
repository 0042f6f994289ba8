"""The Backup copies in the mail bucket, for what removes them: deletion and the retention sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mailgate.aws.clients import client


class S3BackupObjects:
    def __init__(self, bucket: str, prefix: str = "backup/", s3: Any | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = client("s3")
        return self._s3

    def delete(self, key: str) -> None:
        """Idempotent: deleting a copy that is already gone is not an error."""
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """(key, last modified) of every copy, in key order."""
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"]), item["LastModified"]
