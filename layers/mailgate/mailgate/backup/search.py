"""What an administrator or a user searches Backup for, and which stored index answers it.

The table adapter (aws/backup_table.py) reads one index partition range per key of the search: a Message-ID,
a sender, a sender IP or a recipient when the search names one (most selective first), else each day of the
time range. Everything else (subject substring, reason, rule, released) filters within those ranges.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, timedelta

import msgspec

from mailgate.backup.model import BackupRecord, HeldBy

MAX_DAYS = 400  # a range longer than this is a mistake, not a search


class BackupQueryError(ValueError):
    """A search that cannot run as given; the message names the field and what to give instead."""


def normalise_message_id(value: str) -> str:
    """A Message-ID header as the index keys it: without angle brackets and blanks, lower case, bounded."""
    return value.strip().strip("<>").strip().lower()[:512]


class BackupQuery(msgspec.Struct, frozen=True):
    start: str  # ISO time, inclusive
    end: str  # ISO time, exclusive
    sender: str = ""
    recipient: str = ""
    subject: str = ""  # a case-insensitive substring
    header_message_id: str = ""
    held_by: tuple[HeldBy, ...] = ()
    rule: str = ""
    sender_ip: str = ""
    released: bool | None = None
    owners: tuple[str, ...] = ()  # a personal user's addresses: only entries kept for one of them

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            msgspec.structs.force_setattr(self, name, _canonical(name, getattr(self, name)))
        if self.end <= self.start:
            raise BackupQueryError("end: must be later than start")
        if len(self.days()) > MAX_DAYS:
            raise BackupQueryError(f"the range spans more than {MAX_DAYS} days: give a shorter one")
        if self.sender_ip:
            try:
                ipaddress.ip_address(self.sender_ip)
            except ValueError:
                raise BackupQueryError(f"sender_ip: {self.sender_ip!r} is not an IPv4 or IPv6 address") from None

    @classmethod
    def last_days(cls, days: int, now: datetime | None = None, **filters: object) -> BackupQuery:
        end = (now or datetime.now(UTC)) + timedelta(seconds=1)
        return cls(start=_iso(end - timedelta(days=days)), end=_iso(end), **filters)  # type: ignore[arg-type]

    def days(self) -> list[str]:
        """The range's days, newest first: the `by_day` partitions a search without a key reads."""
        first, last = date.fromisoformat(self.start[:10]), date.fromisoformat(self.end[:10])
        return [(last - timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    def key(self) -> tuple[str, str] | None:
        """(attribute, value) of the most selective index this search names, or None (read by day)."""
        if self.header_message_id:
            return "q_message_id", normalise_message_id(self.header_message_id)
        if self.sender:
            return "q_sender", self.sender.strip().lower()
        if self.sender_ip:
            return "sender_ip", str(ipaddress.ip_address(self.sender_ip))
        if self.recipient:
            return "q_recipient", self.recipient.strip().lower()
        return None

    def matches(self, record: BackupRecord) -> bool:
        """Every filter, checked again on what the index gave (a filter is also sent to DynamoDB)."""
        subject, recipients = self.subject.lower(), {r.lower() for r in record.recipients}
        return (self.start <= record.created_at < self.end
                and (not self.sender or record.sender.lower() == self.sender.strip().lower())
                and (not self.recipient or self.recipient.strip().lower() in recipients)
                and (not subject or subject in record.subject.lower())
                and (not self.header_message_id
                     or normalise_message_id(record.header_message_id) == normalise_message_id(self.header_message_id))
                and (not self.held_by or record.held_by in self.held_by)
                and (not self.rule or record.rule == self.rule)
                and (not self.sender_ip or record.sender_ip == self.sender_ip)
                and (self.released is None or record.released == self.released)
                and (not self.owners or bool(recipients & {o.lower() for o in self.owners})))


def _canonical(name: str, value: str) -> str:
    """Times as the records store them (UTC, microseconds, Z), so that text order is time order."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BackupQueryError(f"{name}: give an ISO 8601 time such as 2026-12-01T00:00:00Z, "
                               f"not {value[:40]!r}") from None
    return _iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
