"""Event log queries: a time range and optional filters, the same for every adapter.

Text filters are case-insensitive substrings; `verdict` and `action` are exact values. Adapters
evaluate them over the partitions the time range spans (never the whole table); `matches` is the
reference meaning, used where the filter runs in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailgate.events.model import Event


@dataclass(frozen=True)
class EventFilter:
    sender: str | None = None
    recipient: str | None = None
    subject: str | None = None
    verdict: str | None = None
    action: str | None = None
    kind: str | None = None
    message_id: str | None = None
    # A personal user's view: only events for (at least) one of these addresses.
    recipients_any: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == EventFilter(message_id=self.message_id)

    def matches(self, event: Event) -> bool:
        recipient = (event.recipient or "").lower()
        checks = [
            self.sender is None or self.sender.lower() in (event.sender or "").lower(),
            self.recipient is None or self.recipient.lower() in recipient,
            self.subject is None or self.subject.lower() in (event.subject or "").lower(),
            self.verdict is None or self.verdict in event.verdicts,
            self.action is None or self.action == event.action,
            self.kind is None or self.kind == event.kind,
            self.message_id is None or self.message_id == event.message_id,
            not self.recipients_any or bool({a.lower() for a in self.recipients_any} & set(_addresses(recipient))),
        ]
        return all(checks)


def _addresses(recipients: str) -> list[str]:
    return [r.strip() for r in recipients.split(",") if r.strip()]
