"""boto3 clients built once per process, with timeouts that suit a Lambda function.

boto3 honours AWS_ENDPOINT_URL, which is how local mode and the tests point every client at moto.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 4, "mode": "standard"})


@cache
def client(service: str) -> Any:
    """A shared client for `service`; cached because client creation costs ~50 ms."""
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]
