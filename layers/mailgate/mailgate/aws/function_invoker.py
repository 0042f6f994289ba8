"""A synchronous Lambda invocation whose answer is JSON: how the admin API has the rules function deliver a
release from Backup (the rules function holds the delivery secrets; the internet-facing API holds none)."""

from __future__ import annotations

import json
from typing import Any

READ_TIMEOUT_SECONDS = 28.0  # a release may wait on a slow server; the API answers within its 29 s


class InvocationFailed(RuntimeError):
    """The function raised or could not be invoked; the message says which and why."""


class LambdaInvoker:
    def __init__(self, function_name: str, lambda_client: Any | None = None) -> None:
        self.function_name = function_name
        self._client = lambda_client

    @property
    def client(self) -> Any:
        """Not the shared client: one that waits for the function and never invokes it twice on a timeout."""
        if self._client is None:
            import boto3  # noqa: PLC0415
            from botocore.config import Config  # noqa: PLC0415

            self._client = boto3.session.Session().client("lambda", config=Config(
                connect_timeout=5, read_timeout=READ_TIMEOUT_SECONDS, retries={"total_max_attempts": 1}))
        return self._client

    def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.client.invoke(FunctionName=self.function_name, InvocationType="RequestResponse",
                                              Payload=json.dumps(payload).encode())
        except Exception as exc:
            raise InvocationFailed(f"{self.function_name} could not be invoked: {type(exc).__name__}: {exc}") from exc
        body = answer["Payload"].read()
        if answer.get("FunctionError"):
            raise InvocationFailed(f"{self.function_name} failed: {body[:500].decode(errors='replace')}")
        result = json.loads(body or b"null")
        if not isinstance(result, dict):
            raise InvocationFailed(f"{self.function_name} answered {body[:200]!r}, not a JSON object")
        return result
