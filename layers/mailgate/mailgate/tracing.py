"""X-Ray tracing where it exists: Powertools Tracer in a Lambda function that runs with active tracing;
elsewhere (local mode, the tests, the CLI) a tracer that does nothing. The X-Ray SDK costs about 250 ms to
import (it builds botocore clients for its sampler), and outside Lambda there is no daemon to send to."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _NoTracer:
    def capture_lambda_handler(self, handler: F) -> F:
        return handler

    def put_annotation(self, key: str, value: str | float | bool) -> None:
        del key, value


def function_tracer(service: str) -> Any:
    """Lambda sets AWS_XRAY_DAEMON_ADDRESS in functions with active tracing (the MailGateway construct's)."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and os.environ.get("AWS_XRAY_DAEMON_ADDRESS"):
        from aws_lambda_powertools import Tracer  # noqa: PLC0415

        return Tracer(service=service)
    return _NoTracer()
