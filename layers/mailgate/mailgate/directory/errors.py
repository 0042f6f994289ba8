"""What can go wrong with the directory, in the administrator's words; the API answers these 4xx."""

from __future__ import annotations

from typing import Any, Literal

from mailgate.errors import DirectoryError, problems_sentence

# Why a sync failed, as the sync status names it: what the administrator has to fix differs.
FailureKind = Literal["unreachable", "tls", "credentials", "discovery", "protocol", "busy", "internal"]


class ConnectionInvalid(DirectoryError, ValueError):
    """A connection that cannot be saved; every problem with its field path (422)."""

    http_status = 422
    error_code = "validation_error"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['path']}: {p['message']}" for p in problems), problems=problems)
        self.problems = problems

    def body(self) -> dict[str, Any]:
        return {"error": self.error_code, "message": problems_sentence(self.problems, "connection"),
                "problems": self.problems}


class DuplicateConnection(DirectoryError):
    """Another connection already reads this domain with this search base (409, naming it in `other`)."""

    http_status = 409
    error_code = "duplicate_connection"

    def __init__(self, domain: str, base_dn: str, other: str) -> None:
        super().__init__(f"connection {other!r} already reads domain {domain} with search base {base_dn!r}: "
                         "several connections for one domain need different search bases", other=other)
        self.other = other


class UnknownConnection(DirectoryError, LookupError):
    http_status = 404
    error_code = "not_found"

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"no directory connection {connection_id}")


class SyncFailed(DirectoryError):
    """A sync that did not complete: the cache keeps its last good data."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
