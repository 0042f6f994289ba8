"""What can go wrong with the directory, in the administrator's words; the API maps these to 4xx."""

from __future__ import annotations

from typing import Literal

# Why a sync failed, as the sync status names it: what the administrator has to fix differs.
FailureKind = Literal["unreachable", "tls", "credentials", "discovery", "protocol", "busy", "internal"]


class ConnectionInvalid(ValueError):
    """A connection that cannot be saved; every problem with its field path."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['path']}: {p['message']}" for p in problems))
        self.problems = problems


class DuplicateConnection(Exception):
    """Another connection already reads this domain with this search base."""

    def __init__(self, domain: str, base_dn: str, other: str) -> None:
        super().__init__(f"connection {other!r} already reads domain {domain} with search base {base_dn!r}: "
                         "several connections for one domain need different search bases")
        self.other = other


class UnknownConnection(LookupError):
    def __init__(self, connection_id: str) -> None:
        super().__init__(f"no directory connection {connection_id}")


class SyncFailed(Exception):
    """A sync that did not complete: the cache keeps its last good data."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
