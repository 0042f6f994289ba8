"""boto3 clients built once per process, with timeouts that suit a Lambda function.

boto3 honours AWS_ENDPOINT_URL, which is how local mode and the tests point every client at moto.
boto3 is imported on first use, not at module import: the API function never needs S3's transfer
machinery, and a handler's import stays cheap.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    """A shared client for `service`; cached because client creation costs ~50 ms."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    config = Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 4, "mode": "standard"})
    return boto3.session.Session().client(service, config=config)  # type: ignore[call-overload]


@cache
def resource(service: str) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.session.Session().resource(service)  # type: ignore[call-overload]


def reset() -> None:
    """Forget every client: after the endpoint or credentials in the environment changed."""
    client.cache_clear()
    resource.cache_clear()
