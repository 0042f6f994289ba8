"""Event log queries: a time range and optional filters, the same for every adapter.

Text filters are case-insensitive substrings; `verdict`, `action`, `kind`, `rule` and `sender_ip` are exact
values. Adapters evaluate them over the partitions the time range spans (never the whole table); `matches` is
the reference meaning, used where the filter runs in Python.

Three facts are not on every event: the message's own Message-ID header and the sender's IP are on its
`received` event (the scan step writes them), the rule on its `decision` events. `sender_ip` and `rule` select
those events. `header_message_id` selects messages: every event (in the range) of each message whose
`received` event carries that Message-ID header, so the other filters then narrow one message's history.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from mailgate.events.model import RECEIVED, Event

MAX_HEADER_ID = 500  # characters of a Message-ID header kept as an index key (DynamoDB allows 2048 bytes)
MAX_RULE = 256


def header_id_key(value: object) -> str:
    """A Message-ID header as the log keys it: without blanks and angle brackets, lower case, valid UTF-8,
    bounded. The sender writes it, so nothing in it may break a key; "" when there is nothing to key."""
    if not isinstance(value, str):
        return ""
    text = value.encode("utf-8", "replace").decode("utf-8").strip().strip("<>").strip().lower()
    return text[:MAX_HEADER_ID]


def ip_key(value: object) -> str:
    """An IP address in its one canonical text ("" when it is none): ::FFFF:0A00:0001 and ::ffff:10.0.0.1 match."""
    if not isinstance(value, str):
        return ""
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        return ""


def header_id_of(event: Event) -> str:
    return header_id_key(event.detail.get("message_id_header")) if event.kind == RECEIVED else ""


def sender_ip_of(event: Event) -> str:
    return ip_key(event.detail.get("sender_ip")) if event.kind == RECEIVED else ""


def rule_of(event: Event) -> str:
    decision = event.detail.get("decision")
    rule = decision.get("rule") if isinstance(decision, dict) else None
    return rule.strip().lower()[:MAX_RULE] if isinstance(rule, str) else ""


@dataclass(frozen=True)
class EventFilter:
    sender: str | None = None
    recipient: str | None = None
    subject: str | None = None
    verdict: str | None = None
    action: str | None = None
    kind: str | None = None
    message_id: str | None = None
    header_message_id: str | None = None  # the message's own Message-ID header (see the module's note)
    sender_ip: str | None = None
    rule: str | None = None
    # A personal user's view: only events for (at least) one of these addresses.
    recipients_any: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == EventFilter(message_id=self.message_id)

    def matches(self, event: Event, header_ids: dict[str, str] | None = None) -> bool:
        """Whether `event` belongs in the answer; `header_ids` (gateway id → Message-ID header key, from the
        messages' received events) is needed only for a `header_message_id` filter."""
        recipient = (event.recipient or "").lower()
        checks = [
            self.sender is None or self.sender.lower() in (event.sender or "").lower(),
            self.recipient is None or self.recipient.lower() in recipient,
            self.subject is None or self.subject.lower() in (event.subject or "").lower(),
            self.verdict is None or self.verdict in event.verdicts,
            self.action is None or self.action == event.action,
            self.kind is None or self.kind == event.kind,
            self.message_id is None or self.message_id == event.message_id,
            self.header_message_id is None
            or (header_ids or {}).get(event.message_id) == header_id_key(self.header_message_id),
            self.sender_ip is None or ip_key(self.sender_ip) == sender_ip_of(event) != "",
            self.rule is None or self.rule.strip().lower() == rule_of(event) != "",
            not self.recipients_any or bool({a.lower() for a in self.recipients_any} & set(_addresses(recipient))),
        ]
        return all(checks)


def _addresses(recipients: str) -> list[str]:
    return [r.strip() for r in recipients.split(",") if r.strip()]
