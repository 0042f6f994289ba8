"""An administrator's feedback: "this message is spam" / "this is not spam", learned by the organisation's model.

The admin API hands over the raw message (read from Backup or uploaded); this parses it, refuses
bytes that are not a mail message, learns it (idempotent by the message's sha256), and records in
the event log who marked what, so the feedback has an audit trail beside the message's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mailgate.events.log import EventLog
from mailgate.events.model import FEEDBACK, Event
from mailgate.message import parse_message
from mailgate.message.model import Message
from mailgate.scanners.antispam.learning import OrganisationModel, StoredModel, message_hash

DEFAULT_ORGANISATION = "default"  # one organisation per deployment
Label = Literal["spam", "not_spam"]
LABEL_WORDS = {"spam": "spam", "not_spam": "not spam"}
# One of these fields at the top: what tells a mail message from other text that happens to contain a colon.
MESSAGE_FIELDS = frozenset({"from", "to", "subject", "date", "message-id", "received", "return-path", "sender"})


class NotAMessage(Exception):
    """The bytes are not an RFC 5322 message, so there is nothing to learn."""


@dataclass(frozen=True)
class ModelSummary:
    spam_messages: int
    ham_messages: int
    tokens: int
    version: int
    updated_at: str
    updated_by: str

    @classmethod
    def of(cls, stored: StoredModel) -> ModelSummary:
        counts = stored.counts
        return cls(counts.spam_messages, counts.ham_messages, len(counts.tokens), stored.version,
                   stored.updated_at, stored.updated_by)

    def to_dict(self) -> dict[str, Any]:
        return {"spam_messages": self.spam_messages, "ham_messages": self.ham_messages, "tokens": self.tokens,
                "version": self.version, "updated_at": self.updated_at or None,
                "updated_by": self.updated_by or None}


@dataclass(frozen=True)
class FeedbackOutcome:
    learned: bool  # False: it was already learned with this label, nothing changed
    message_sha256: str
    label: Label
    previous: Label | None  # the label it had before, when this corrected it
    model: ModelSummary

    def to_dict(self) -> dict[str, Any]:
        return {"learned": self.learned, "message_sha256": self.message_sha256, "label": self.label,
                "previous_label": self.previous, "model": self.model.to_dict()}


def check_is_message(message: Message) -> None:
    if not any(name.lower() in MESSAGE_FIELDS for name, _value in message.headers):
        problem = message.defects[0] if message.defects else "no mail header fields"
        raise NotAMessage(f"not an RFC 5322 mail message ({problem}): nothing was learned")


class FeedbackService:
    def __init__(self, model: OrganisationModel, events: EventLog | None = None) -> None:
        self.model = model
        self.events = events

    def mark(self, raw: bytes, label: Label, who: str, message_id: str | None = None,
             source: str = "upload") -> FeedbackOutcome:
        """Learn `raw` as `label` on behalf of `who`. `message_id`: the gateway's id of a message held
        in Backup, so the event joins that message's history; `source` says where the bytes came from."""
        message = parse_message(raw)
        check_is_message(message)
        digest = message_hash(message)
        self.model.refresh()  # answer from the stored state, not from what this process saw last
        before = self.model.counts.learned.get(digest)
        learned = self.model.learn(message, label == "spam", by=who)
        previous: Label | None = None if before is None or not learned else ("spam" if before else "not_spam")
        outcome = FeedbackOutcome(learned, digest, label, previous, ModelSummary.of(self.model.stored))
        if self.events is not None:
            self.events.append([self._event(message, outcome, who, message_id or f"feedback-{digest[:24]}", source)])
        return outcome

    def summary(self) -> ModelSummary:
        self.model.refresh()
        return ModelSummary.of(self.model.stored)

    @staticmethod
    def _event(message: Message, outcome: FeedbackOutcome, who: str, message_id: str, source: str) -> Event:
        word = LABEL_WORDS[outcome.label]
        if not outcome.learned:
            result = "already learned so, nothing changed"
        elif outcome.previous:
            result = f"learned (was learned as {LABEL_WORDS[outcome.previous]})"
        else:
            result = "learned"
        sender = message.from_addresses[0][1] if message.from_addresses else None
        return Event(message_id, FEEDBACK, f"marked as {word} by {who}: {result}",
                     detail={"label": outcome.label, "learned": outcome.learned, "by": who, "source": source,
                             "message_sha256": outcome.message_sha256, "previous_label": outcome.previous,
                             "model_version": outcome.model.version},
                     sender=sender, subject=message.subject[:500] or None)
