"""Raw messages, scan reports and Backup copies in S3."""

from __future__ import annotations

import json
from typing import Any

from mailgate.aws.clients import client


class MailStoreError(RuntimeError):
    """An object could not be read or written; the message names the bucket and key."""


class S3MailStore:
    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3
        self._signer: Any | None = None

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = client("s3")
        return self._s3

    def get_bytes(self, key: str, bucket: str | None = None) -> bytes:
        bucket = bucket or self.bucket
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"]
            return bytes(body.read())
        except Exception as exc:
            raise MailStoreError(f"cannot read s3://{bucket}/{key}: {exc}") from exc

    @property
    def signer(self) -> Any:
        """A client that signs URLs with SigV4, whatever the region: S3 refuses older signatures for objects
        encrypted with KMS (the mail bucket's encryption)."""
        if self._signer is None:
            import boto3  # noqa: PLC0415
            from botocore.config import Config  # noqa: PLC0415

            self._signer = boto3.session.Session().client(
                "s3", config=Config(signature_version="s3v4"))
        return self._signer

    def presigned_get(self, key: str, seconds: int, bucket: str | None = None) -> str:
        """A URL that reads the object without credentials until it expires (a Backup original's download)."""
        bucket = bucket or self.bucket
        try:
            url: str = self.signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                                      ExpiresIn=seconds)
        except Exception as exc:
            raise MailStoreError(f"cannot sign a download of s3://{bucket}/{key}: {exc}") from exc
        return url

    def put_bytes(self, key: str, data: bytes, content_type: str = "message/rfc822") -> None:
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except Exception as exc:
            raise MailStoreError(f"cannot write s3://{self.bucket}/{key}: {exc}") from exc

    def copy(self, source_bucket: str, source_key: str, key: str) -> None:
        try:
            self.s3.copy_object(Bucket=self.bucket, Key=key,
                                CopySource={"Bucket": source_bucket, "Key": source_key})
        except Exception as exc:
            raise MailStoreError(
                f"cannot copy s3://{source_bucket}/{source_key} to s3://{self.bucket}/{key}: {exc}"
            ) from exc

    def put_json(self, key: str, document: dict[str, Any]) -> None:
        self.put_bytes(key, json.dumps(document, separators=(",", ":")).encode(), "application/json")

    def get_json(self, key: str, bucket: str | None = None) -> dict[str, Any]:
        data = json.loads(self.get_bytes(key, bucket))
        if not isinstance(data, dict):
            raise MailStoreError(f"s3://{bucket or self.bucket}/{key} is not a JSON object")
        return data
