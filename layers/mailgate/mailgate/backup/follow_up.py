"""What may follow a release, so the next message from the same sender is not held again: the sender on the
recipients' personal allow lists or the organisation's allow list, and the message learned as not spam.
Each is a change of its own (versioned, audited) and is skipped, never forced, where it cannot apply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from mailgate.config import GatewayConfig, ListEntry
from mailgate.rules.sender_lists import PersonalLists, personal_problems
from mailgate.settings.errors import VersionConflict
from mailgate.settings.service import Actor, SettingsService

ATTEMPTS = 5  # a list changed by someone else meanwhile: read it again and add once more


class PersonalListRecordLike(Protocol):
    @property
    def lists(self) -> PersonalLists: ...

    @property
    def version(self) -> int: ...


class PersonalListsStore(Protocol):
    def get(self, address: str) -> PersonalListRecordLike: ...

    def save(self, address: str, lists: PersonalLists, expected_version: int, actor: str, subject: str,
             operation: str) -> object: ...


def why_sender_cannot_be_allowed(sender: str) -> str | None:
    """The null sender (bounces) and text that is not an address are never put on an allow list."""
    local, at, domain = sender.strip().rpartition("@")
    if not sender.strip():
        return "the message has no envelope sender (a bounce): there is nobody to allow"
    if not at or not local or "." not in domain or any(c.isspace() for c in sender.strip()):
        return f"the envelope sender {sender[:100]!r} is not an address"
    return None


def allow_personally(store: PersonalListsStore, addresses: Sequence[str], sender: str, actor: Actor) -> list[str]:
    """The sender on each address's personal allow list; the addresses whose list changed."""
    changed: list[str] = []
    entry = sender.strip().lower()
    for address in dict.fromkeys(a.strip().lower() for a in addresses):
        for _ in range(ATTEMPTS):
            current = store.get(address)
            if entry in (e.lower() for e in current.lists.allow):
                break
            lists = msgspec.structs.replace(current.lists, allow=(*current.lists.allow, entry))
            if personal_problems(lists):  # full (500 entries): left as it is
                break
            try:
                store.save(address, lists, current.version, actor.who, actor.subject, actor.operation)
            except VersionConflict:
                continue
            changed.append(address)
            break
    return changed


def allow_for_organisation(settings: SettingsService, sender: str, actor: Actor) -> bool:
    """The sender on the organisation's allow list; False when it was there already."""
    entry = sender.strip().lower()

    def listed(config: GatewayConfig) -> bool:
        return any((e.entry if isinstance(e, ListEntry) else e).lower() == entry for e in config.lists.allow)

    for _ in range(ATTEMPTS):
        current = settings.current()
        if listed(current.config):
            return False
        try:
            settings.change(current.version, lambda c: msgspec.structs.replace(
                c, lists=msgspec.structs.replace(c.lists, allow=(*c.lists.allow, entry))), actor)
        except VersionConflict:
            continue
        return True
    raise VersionConflict(current.version, settings.current().version)
