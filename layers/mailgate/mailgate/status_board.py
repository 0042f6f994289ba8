"""Where functions leave a note about their own state for the health endpoint to read (the API
cannot ask clamd or a warm scan function directly)."""

from __future__ import annotations

from typing import Any, Protocol


class StatusBoard(Protocol):
    def publish(self, component: str, document: dict[str, Any]) -> None: ...

    def read(self, component: str) -> dict[str, Any] | None: ...


class MemoryStatusBoard:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def publish(self, component: str, document: dict[str, Any]) -> None:
        self.documents[component] = dict(document)

    def read(self, component: str) -> dict[str, Any] | None:
        return self.documents.get(component)
