"""What the directory needs from storage; `mailgate.aws.directory_table` implements it on DynamoDB."""

from __future__ import annotations

from typing import Protocol

from mailgate.directory.connection import Connection
from mailgate.directory.model import Snapshot
from mailgate.directory.status import SyncRun, SyncStatus


class GenerationMoved(Exception):
    """Another sync published first: this one's result is not applied."""


class DirectoryStore(Protocol):
    def list_connections(self) -> list[Connection]: ...

    def get_connection(self, connection_id: str) -> Connection | None: ...

    def put_connection(self, connection: Connection) -> None: ...

    def delete_connection(self, connection_id: str) -> None:
        """The connection and everything cached for it: generations, status, runs, lease."""

    def current(self, connection_id: str) -> tuple[int, Snapshot | None]:
        """(generation, snapshot) that readers use now; (0, None) before the first successful sync."""

    def generations(self) -> dict[str, int]:
        """connection id → current generation: a cheap check whether a loaded cache is still current."""

    def publish(self, snapshot: Snapshot, expected_generation: int) -> int:
        """Write a new generation, then flip the pointer if it is still at `expected_generation`
        (else GenerationMoved); returns the new generation. Readers never see a partial write."""

    def status(self, connection_id: str) -> SyncStatus | None: ...

    def save_status(self, status: SyncStatus) -> None: ...

    def get_run(self, connection_id: str, sync_id: str) -> SyncRun | None: ...

    def save_run(self, run: SyncRun) -> None: ...

    def acquire_lease(self, connection_id: str, owner: str, seconds: int) -> bool: ...

    def release_lease(self, connection_id: str, owner: str) -> None: ...
