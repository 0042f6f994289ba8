"""Feedback learning: an organisation's own token counts, combined with the shipped base model.

`OrganisationModel.learn(message, is_spam)` counts the message's features under spam or ham and
remembers the message by the sha256 of its raw bytes: learning it again with the same label changes
nothing; learning it with the other label moves it (forget, then learn), as a corrected mistake
should. The counts are read and written through `OrganisationStore`, a plain port: the DynamoDB/S3
adapter implements it outside this package; `MemoryStore` and `JsonFileStore` serve tests and
local mode.

How the counts speak: each feature the organisation has seen gets evidence e = (s - h) / (s + h + 1)
(in -1..1, shrunk while counts are small). The message's learned log-odds is STRENGTH times the
mean evidence over all its features, so a near-copy of a learned message moves by up to STRENGTH
while mail that shares only common words with it barely moves.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mailgate.message.model import Message
from mailgate.scanners.antispam.tokens import features

STATE_VERSION = 1
STRENGTH = 8.0  # log-odds a perfect match with learned spam (or ham) adds (or removes)


@dataclass
class OrganisationCounts:
    """The stored state: per-feature [spam, ham] counts and the messages already learned."""

    spam_messages: int = 0
    ham_messages: int = 0
    tokens: dict[str, list[int]] = field(default_factory=dict)
    learned: dict[str, bool] = field(default_factory=dict)  # sha256 of the raw message → is_spam

    def to_dict(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "spam_messages": self.spam_messages,
                "ham_messages": self.ham_messages, "tokens": self.tokens, "learned": self.learned}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrganisationCounts:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown organisation model version {data.get('version')!r}")
        return cls(int(data["spam_messages"]), int(data["ham_messages"]),
                   {str(k): [int(v[0]), int(v[1])] for k, v in data["tokens"].items()},
                   {str(k): bool(v) for k, v in data["learned"].items()})


class OrganisationStore(Protocol):
    """Where an organisation's counts live (DynamoDB/S3 in the cloud: an adapter outside this package)."""

    def load(self, organisation: str) -> OrganisationCounts | None: ...

    def save(self, organisation: str, counts: OrganisationCounts) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def load(self, organisation: str) -> OrganisationCounts | None:
        text = self._items.get(organisation)
        return OrganisationCounts.from_dict(json.loads(text)) if text else None

    def save(self, organisation: str, counts: OrganisationCounts) -> None:
        self._items[organisation] = json.dumps(counts.to_dict())


class JsonFileStore:
    """One JSON document per organisation in a directory (local mode)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, organisation: str) -> Path:
        safe = hashlib.sha256(organisation.encode("utf-8")).hexdigest()[:32]
        return self.directory / f"antispam-{safe}.json"

    def load(self, organisation: str) -> OrganisationCounts | None:
        path = self._path(organisation)
        if not path.exists():
            return None
        return OrganisationCounts.from_dict(json.loads(path.read_text("utf-8")))

    def save(self, organisation: str, counts: OrganisationCounts) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(organisation)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(counts.to_dict(), sort_keys=True), "utf-8")
        temporary.replace(path)


def message_hash(message: Message) -> str:
    return hashlib.sha256(message.raw).hexdigest()


class OrganisationModel:
    """Learned counts for one organisation, loaded from and saved to its store."""

    def __init__(self, organisation: str, store: OrganisationStore) -> None:
        self.organisation = organisation
        self.store = store
        self._lock = threading.Lock()
        self.counts = store.load(organisation) or OrganisationCounts()

    def learn(self, message: Message, is_spam: bool) -> bool:
        """Count the message under spam or ham. Returns False when it was already learned so."""
        key = message_hash(message)
        with self._lock:
            previous = self.counts.learned.get(key)
            if previous is is_spam:
                return False
            message_features = features(message)
            if previous is not None:
                self._count(message_features, previous, -1)
            self._count(message_features, is_spam, +1)
            self.counts.learned[key] = is_spam
            self.store.save(self.organisation, self.counts)
        return True

    def forget(self, message: Message) -> bool:
        key = message_hash(message)
        with self._lock:
            previous = self.counts.learned.pop(key, None)
            if previous is None:
                return False
            self._count(features(message), previous, -1)
            self.store.save(self.organisation, self.counts)
        return True

    def _count(self, message_features: list[str], is_spam: bool, delta: int) -> None:
        column = 0 if is_spam else 1
        if is_spam:
            self.counts.spam_messages += delta
        else:
            self.counts.ham_messages += delta
        tokens = self.counts.tokens
        for feature in message_features:
            pair = tokens.setdefault(feature, [0, 0])
            pair[column] += delta
            if pair == [0, 0]:
                del tokens[feature]

    def evidence(self, message_features: list[str]) -> dict[str, float]:
        """Per-feature log-odds to add to the base model's (empty when nothing was learned)."""
        tokens = self.counts.tokens
        if not tokens or not message_features:
            return {}
        scale = STRENGTH / len(message_features)
        out: dict[str, float] = {}
        for feature in message_features:
            pair = tokens.get(feature)
            if pair:
                spam, ham = pair
                out["org:" + feature] = scale * (spam - ham) / (spam + ham + 1)
        return out
