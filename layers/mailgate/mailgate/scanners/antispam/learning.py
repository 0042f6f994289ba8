"""Feedback learning: an organisation's own token counts, combined with the shipped base model.

`OrganisationModel.learn(message, is_spam)` counts the message's features under spam or ham and
remembers the message by the sha256 of its raw bytes: learning it again with the same label changes
nothing; learning it with the other label moves it (forget, then learn), as a corrected mistake
should. The counts are read and written through `OrganisationStore`, a plain port: the DynamoDB/S3
adapter implements it outside this package (aws/antispam_store.py); `MemoryStore` and
`JsonFileStore` serve tests.

Every save is conditional on the version that was read: when another learner saved first, the
store raises `StaleModel` and the model reloads and applies its change again, so two administrators
marking mail at the same moment never lose each other's feedback. A warm scan function's model
(`refresh_seconds`) asks the store for the current version at most that often and reloads the
counts only when it changed.

How the counts speak: each feature the organisation has seen gets evidence e = (s - h) / (s + h + 1)
(in -1..1, shrunk while counts are small). The message's learned log-odds is STRENGTH times the
mean evidence over all its features, so a near-copy of a learned message moves by up to STRENGTH
while mail that shares only common words with it barely moves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mailgate.message.model import Message
from mailgate.scanners.antispam.tokens import features

logger = logging.getLogger(__name__)

STATE_VERSION = 1
STRENGTH = 8.0  # log-odds a perfect match with learned spam (or ham) adds (or removes)
SAVE_ATTEMPTS = 5  # a learner that loses this many races in a row gives up with StaleModel


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

    def copy(self) -> OrganisationCounts:
        """A copy to change, so the counts in use stay as stored until a save succeeds."""
        return OrganisationCounts(self.spam_messages, self.ham_messages,
                                  {k: list(v) for k, v in self.tokens.items()}, dict(self.learned))

    def summary(self) -> dict[str, int]:
        return {"spam_messages": self.spam_messages, "ham_messages": self.ham_messages,
                "tokens": len(self.tokens)}


@dataclass(frozen=True)
class StoredModel:
    """Counts as a store holds them: `version` counts the saves (0: nothing saved yet)."""

    counts: OrganisationCounts
    version: int = 0
    updated_at: str = ""
    updated_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"model_version": self.version, "updated_at": self.updated_at, "updated_by": self.updated_by,
                "counts": self.counts.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredModel:
        return cls(OrganisationCounts.from_dict(data["counts"]), int(data["model_version"]),
                   str(data.get("updated_at", "")), str(data.get("updated_by", "")))


class StaleModel(Exception):
    """The counts were saved by someone else since they were read: reload, then apply the change again."""

    def __init__(self, organisation: str, expected: int, current: int | None) -> None:
        super().__init__(f"the anti-spam model of {organisation!r} is at version {current}, not {expected}")
        self.organisation = organisation
        self.expected = expected
        self.current = current


class OrganisationStore(Protocol):
    """Where an organisation's counts live (DynamoDB/S3 in the cloud: an adapter outside this package)."""

    def load(self, organisation: str) -> StoredModel | None: ...

    def version(self, organisation: str) -> int:
        """The current version, cheaply (a warm scanner asks every minute); 0 when nothing is saved."""
        ...

    def save(self, organisation: str, counts: OrganisationCounts, expected_version: int, by: str) -> StoredModel:
        """Store the counts as version expected_version + 1, or raise StaleModel when the stored
        version is no longer expected_version."""
        ...


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _DocumentStore:
    """Counts kept as one JSON document per organisation; subclasses say where the text lives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # within one process: the memory dict, or the file replaced whole

    def _read(self, organisation: str) -> str | None:
        raise NotImplementedError

    def _write(self, organisation: str, text: str) -> None:
        raise NotImplementedError

    def load(self, organisation: str) -> StoredModel | None:
        text = self._read(organisation)
        return StoredModel.from_dict(json.loads(text)) if text else None

    def version(self, organisation: str) -> int:
        stored = self.load(organisation)
        return stored.version if stored else 0

    def save(self, organisation: str, counts: OrganisationCounts, expected_version: int, by: str) -> StoredModel:
        with self._lock:
            current = self.version(organisation)
            if current != expected_version:
                raise StaleModel(organisation, expected_version, current)
            stored = StoredModel(counts.copy(), current + 1, utc_now(), by)
            self._write(organisation, json.dumps(stored.to_dict(), sort_keys=True))
        return stored


class MemoryStore(_DocumentStore):
    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, str] = {}

    def _read(self, organisation: str) -> str | None:
        return self._items.get(organisation)

    def _write(self, organisation: str, text: str) -> None:
        self._items[organisation] = text


class JsonFileStore(_DocumentStore):
    """One JSON document per organisation in a directory (tests and single-process tools)."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory

    def _path(self, organisation: str) -> Path:
        safe = hashlib.sha256(organisation.encode("utf-8")).hexdigest()[:32]
        return self.directory / f"antispam-{safe}.json"

    def _read(self, organisation: str) -> str | None:
        path = self._path(organisation)
        return path.read_text("utf-8") if path.exists() else None

    def _write(self, organisation: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(organisation)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(text, "utf-8")
        temporary.replace(path)


def message_hash(message: Message) -> str:
    return hashlib.sha256(message.raw).hexdigest()


def _count(counts: OrganisationCounts, message_features: list[str], is_spam: bool, delta: int) -> None:
    column = 0 if is_spam else 1
    if is_spam:
        counts.spam_messages += delta
    else:
        counts.ham_messages += delta
    tokens = counts.tokens
    for feature in message_features:
        pair = tokens.setdefault(feature, [0, 0])
        pair[column] += delta
        if pair == [0, 0]:
            del tokens[feature]


class OrganisationModel:
    """Learned counts for one organisation, loaded from and saved to its store.

    With `refresh_seconds` (a warm scan function's model) `evidence` asks the store for its version
    at most that often and reloads when it changed; a store that cannot be read then keeps the last
    counts in use and is asked again at the next check, so a scan never fails because of the model.
    """

    def __init__(self, organisation: str, store: OrganisationStore, refresh_seconds: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.organisation = organisation
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self.stored = StoredModel(OrganisationCounts())
        self._checked: float | None = None
        if refresh_seconds is None:
            self.reload()
        else:
            self._refresh_when_due()

    @property
    def counts(self) -> OrganisationCounts:
        return self.stored.counts

    @property
    def version(self) -> int:
        return self.stored.version

    def reload(self) -> None:
        loaded = self.store.load(self.organisation)
        with self._lock:
            self.stored = loaded or StoredModel(OrganisationCounts())

    def refresh(self) -> bool:
        """Reload when the store holds another version (one cheap read otherwise). True when reloaded."""
        with self._lock:
            if self.store.version(self.organisation) == self.stored.version:
                return False
            self.reload()
            return True

    def _refresh_when_due(self) -> None:
        if self.refresh_seconds is None:
            return
        now = self._clock()
        if self._checked is not None and now - self._checked < self.refresh_seconds:
            return
        with self._lock:
            self._checked = now
            try:
                self.refresh()
            except Exception:
                logger.warning("the anti-spam model of %r could not be refreshed; the last counts stay in use",
                               self.organisation, exc_info=True)

    def learn(self, message: Message, is_spam: bool, by: str = "") -> bool:
        """Count the message under spam or ham. Returns False when it was already learned so."""
        return self._change(message, is_spam, by)

    def forget(self, message: Message, by: str = "") -> bool:
        """Take a learned message out of the counts. Returns False when it was not learned."""
        return self._change(message, None, by)

    def _change(self, message: Message, label: bool | None, by: str) -> bool:
        """Move the message to `label` (None: no label) and save; after a lost race, again on fresh counts."""
        key = message_hash(message)
        message_features: list[str] | None = None
        with self._lock:
            for attempt in range(SAVE_ATTEMPTS):
                previous = self.counts.learned.get(key)
                if previous is label:
                    return False
                message_features = message_features or features(message)
                counts = self.counts.copy()
                if previous is not None:
                    _count(counts, message_features, previous, -1)
                    del counts.learned[key]
                if label is not None:
                    _count(counts, message_features, label, +1)
                    counts.learned[key] = label
                try:
                    self.stored = self.store.save(self.organisation, counts, self.stored.version, by)
                except StaleModel:
                    if attempt == SAVE_ATTEMPTS - 1:
                        raise
                    self.reload()
                else:
                    return True
        raise AssertionError("unreachable")

    def evidence(self, message_features: list[str]) -> dict[str, float]:
        """Per-feature log-odds to add to the base model's (empty when nothing was learned)."""
        self._refresh_when_due()
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
