"""The summary reports kept in the mail bucket (mailgate.reports.service.PREFIX)."""

from __future__ import annotations

from typing import Any

from mailgate.aws.mail_store import S3MailStore


class S3ReportStore:
    def __init__(self, store: S3MailStore) -> None:
        self.store = store

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.store.put_bytes(key, data, content_type)

    def get(self, key: str) -> bytes:
        return self.store.get_bytes(key)

    def download_url(self, key: str, seconds: int) -> str:
        return self.store.presigned_get(key, seconds)

    def listing(self, prefix: str, limit: int, start_after: str = "") -> list[tuple[str, int, str]]:
        """(key, size, last modified as ISO UTC) of at most `limit` objects under the prefix after `start_after`."""
        found: list[tuple[str, int, str]] = []
        paginator: Any = self.store.s3.get_paginator("list_objects_v2")
        extra = {"StartAfter": start_after} if start_after else {}
        for page in paginator.paginate(Bucket=self.store.bucket, Prefix=prefix, **extra):
            for item in page.get("Contents", []):
                found.append((str(item["Key"]), int(item["Size"]),
                              item["LastModified"].strftime("%Y-%m-%dT%H:%M:%SZ")))
                if len(found) >= limit:
                    return found
        return found
