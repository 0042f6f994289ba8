"""The event log port: what the domain needs from wherever events are kept."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from mailgate.events.model import Event
from mailgate.events.query import EventFilter


@dataclass(frozen=True)
class EventPage:
    events: tuple[Event, ...]
    next_token: str | None  # opaque; pass back to continue


class EventLog(Protocol):
    def append(self, events: Iterable[Event]) -> None: ...

    def for_message(self, message_id: str) -> Sequence[Event]: ...

    def between(self, start: str, end: str, limit: int = 100, token: str | None = None,
                where: EventFilter | None = None) -> EventPage: ...
