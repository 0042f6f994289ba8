"""Personal allow/deny lists in the settings table: partition `personal-lists`, one item per address
(sort key), versioned like the settings; each change is written with its audit entry in one transaction.
The same item carries the user's own digest choice (`digest`, absent: true): false, the daily Backup digest
(mailgate.backup.digest) is not sent to the address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from mailgate.aws import dynamo
from mailgate.aws.settings_table import put_with_audit
from mailgate.rules.sender_lists import PersonalLists
from mailgate.settings.audit import AuditEntry, diff
from mailgate.settings.errors import VersionConflict

PARTITION = "personal-lists"


@dataclass(frozen=True)
class PersonalListRecord:
    address: str
    lists: PersonalLists
    version: int  # 0: never saved
    updated_at: str | None = None
    updated_by: str | None = None
    digest: bool = True  # False: the user opted out of the daily Backup digest

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "allow": list(self.lists.allow), "deny": list(self.lists.deny),
                "digest": self.digest, "version": self.version, "updated_at": self.updated_at,
                "updated_by": self.updated_by}


class DynamoPersonalLists:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def get(self, address: str) -> PersonalListRecord:
        address = address.strip().lower()
        item = self.table.get_item(Key={"pk": PARTITION, "sk": address}, ConsistentRead=True).get("Item")
        if not item:
            return PersonalListRecord(address, PersonalLists(), 0)
        lists = msgspec.json.decode(str(item["lists"]), type=PersonalLists)
        return PersonalListRecord(address, lists, int(item["version"]), str(item.get("updated_at") or "") or None,
                                  str(item.get("updated_by") or "") or None, bool(item.get("digest", True)))

    def wants_digest(self, address: str) -> bool:
        """For the digest job: False when the user opted out of it."""
        return self.get(address).digest

    def lists(self, address: str) -> PersonalLists | None:
        """For the rules function: the lists, or None when the address has none."""
        record = self.get(address)
        return record.lists if record.version else None

    def save(self, address: str, lists: PersonalLists, expected_version: int, actor: str, subject: str,
             operation: str, digest: bool | None = None) -> PersonalListRecord:
        """Replaces the lists; `digest` None keeps the user's digest choice as it is."""
        current = self.get(address)
        wanted = current.digest if digest is None else digest
        if expected_version != current.version:
            raise VersionConflict(expected_version, current.version)
        version = expected_version + 1
        entry = AuditEntry(actor=actor, subject=subject, operation=operation, version_before=current.version,
                           version_after=version,
                           changes=tuple(diff(_document(current.address, current.lists, current.digest),
                                              _document(current.address, lists, wanted))))
        item = {"pk": PARTITION, "sk": current.address, "version": version,
                "lists": msgspec.json.encode(lists).decode(), "digest": wanted, "updated_at": entry.at,
                "updated_by": actor}
        if not put_with_audit(self.table, item, expected_version, entry):
            raise VersionConflict(expected_version, self.get(address).version)
        return PersonalListRecord(current.address, lists, version, entry.at, actor, wanted)


def _document(address: str, lists: PersonalLists, digest: bool) -> dict[str, Any]:
    return {"personal_lists": {address: {"allow": list(lists.allow), "deny": list(lists.deny), "digest": digest}}}
