"""Exactly-once actions per (message, recipients) with Powertools idempotency on DynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

# Long enough to cover every queue redelivery of one message (the queue keeps messages 4 days).
EXPIRES_AFTER_SECONDS = 5 * 24 * 3600


class DynamoExecuteOnce:
    """`execute_once(key, action)`: runs action the first time a key is seen, then replays its result.

    If the action raises, Powertools deletes the in-progress record, so the next attempt runs again:
    exactly what a temporary delivery failure needs.
    """

    def __init__(self, table_name: str) -> None:
        self._actions: dict[str, Callable[[], dict[str, Any]]] = {}
        persistence = DynamoDBPersistenceLayer(table_name=table_name)
        config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=EXPIRES_AFTER_SECONDS,
                                   raise_on_no_idempotency_key=True)

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="task", persistence_store=persistence, config=config)
        def run(task: dict[str, str]) -> dict[str, Any]:
            return self._actions[task["key"]]()

        self._run = run
        self._config = config

    def register_lambda_context(self, context: Any) -> None:
        """Lets Powertools expire an in-progress record when the invocation times out."""
        if hasattr(context, "get_remaining_time_in_millis"):
            self._config.register_lambda_context(context)

    def __call__(self, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self._actions[key] = action
        try:
            result: dict[str, Any] = self._run(task={"key": key})
            return result
        finally:
            self._actions.pop(key, None)
