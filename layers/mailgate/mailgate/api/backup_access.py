"""Who may see which Backup entry, and what of it: every Backup route asks here.

A personal user sees entries kept for one of their own addresses, except addresses the directory reports as
duplicated (whose mail it is cannot be told: KSMG turns personal Backup off for them too), and of a shared
entry only their own recipients and releases.
"""

from __future__ import annotations

from mailgate.api.errors import Forbidden, NotFound
from mailgate.api.ports import Ports
from mailgate.api.responses import BackupEntry
from mailgate.api.roles import Principal
from mailgate.backup.model import BackupRecord


def personal_addresses(ports: Ports, who: Principal) -> tuple[str, ...]:
    """A personal user's addresses whose Backup is theirs."""
    if not who.addresses:
        raise Forbidden("your account has no e-mail address, so no Backup entries are yours")
    directory = ports.directory()
    if directory is None:
        return who.addresses
    index = directory.index()
    allowed = tuple(a for a in who.addresses if index.personal_allowed(a))
    if not allowed:
        raise Forbidden("personal Backup is off for your account: the directory reports its name or address as "
                        "duplicated (see GET /directory/duplicates); ask an administrator to correct the directory")
    return allowed


def visible_entry(ports: Ports, who: Principal, backup_id: str) -> BackupRecord:
    """The entry if the caller may see it; 404 also when it exists but is not theirs."""
    record = ports.backup().get(backup_id)
    if record is not None and who.is_personal_only:
        owners = set(personal_addresses(ports, who))
        if not {r.lower() for r in record.recipients} & owners:
            record = None
    if record is None:
        raise NotFound(f"no Backup entry {backup_id}")
    return record


def backup_entry(record: BackupRecord, who: Principal) -> BackupEntry:
    """The entry as the caller may see it."""
    data = record.to_dict()
    if who.is_personal_only:  # the other recipients of a shared copy, and releases to them, are not theirs
        data["recipients"] = [r for r in record.recipients if who.owns([r])]
        data["released_to"] = [r for r in record.released_to if who.owns([r])]
        data["history"] = [h for h in data["history"] if who.owns(h["to"]) or h["actor"] == who.who]
    return BackupEntry.model_validate({**data, "released": bool(data["released_to"])})
