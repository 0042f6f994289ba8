"""Reads reputation lists for the link scanner from S3 (`s3://bucket/key`) or from a file."""

from __future__ import annotations

from mailgate.aws.clients import client
from mailgate.scanners.links.sources import read_file

MAX_LIST_BYTES = 64 * 1024 * 1024  # a feed larger than this is a mistake, not a list


def read_list(location: str) -> bytes:
    if not location.startswith("s3://"):
        return read_file(location)
    bucket, _, key = location.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise OSError(f"{location}: an S3 location is s3://bucket/key")
    response = client("s3").get_object(Bucket=bucket, Key=key)
    if int(response.get("ContentLength", 0)) > MAX_LIST_BYTES:
        raise OSError(f"{location}: larger than {MAX_LIST_BYTES} bytes")
    return bytes(response["Body"].read())
