"""The part of a parsed message the authentication checks read, as a structural type.

`mailgate.message.Message` satisfies it; so does a small stand-in in tests. Depending on these few
members only keeps the checks independent of how the message model evolves.
"""

from __future__ import annotations

from typing import Protocol


class AuthMessage(Protocol):
    @property
    def raw(self) -> bytes: ...

    @property
    def from_addresses(self) -> tuple[tuple[str, str], ...]: ...  # (display name, address)

    @property
    def message_id(self) -> str | None: ...

    def header(self, name: str) -> str | None: ...

    def header_all(self, name: str) -> list[str]: ...
