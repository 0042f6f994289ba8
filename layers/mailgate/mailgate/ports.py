"""The protocols the adapters in `mailgate.aws` (and local mode) implement for the two pipeline steps and the
health endpoint. The domain depends on these shapes only; boto3 stays behind them.

The admin API's own ports are in `mailgate.api.ports`; the event log's in `mailgate.events.log`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class MailStore(Protocol):
    """Raw messages, scan reports and Backup copies (S3)."""

    bucket: str

    def get_bytes(self, key: str, bucket: str | None = None) -> bytes: ...

    def put_json(self, key: str, document: dict[str, Any]) -> None: ...

    def get_json(self, key: str, bucket: str | None = None) -> dict[str, Any]: ...


class ReportHome(Protocol):
    """Where scan reports are kept for later readers (aws/scan_reports.py: the events table, or S3 when large)."""

    def put(self, report: Any, packed: bytes | None = None) -> tuple[str, int]: ...

    def get(self, message_id: str) -> Any: ...


class HandOffQueue(Protocol):
    """The scan step's hand-off to the rules step (SQS)."""

    def send(self, body: dict[str, Any]) -> None: ...


class ExecuteOnce(Protocol):
    """`execute_once(key, action)`: the action runs the first time a key is seen; later calls replay its
    result (Powertools idempotency on DynamoDB)."""

    def __call__(self, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]: ...


class StatusBoard(Protocol):
    """Where functions leave a note about their own state for the health endpoint to read (the API cannot ask
    clamd or a warm scan function directly)."""

    def publish(self, component: str, document: dict[str, Any]) -> None: ...

    def read(self, component: str) -> dict[str, Any] | None: ...
