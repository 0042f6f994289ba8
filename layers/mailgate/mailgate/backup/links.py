"""The digest's signed single-use links: pure, no AWS.

A link names one thing it may do (release one Backup entry to one recipient, release it and allow its sender
for that recipient, or open that recipient's personal Backup), a random nonce, and when it was signed. It is an
itsdangerous token signed with HMAC under the newest key of a list; any key still listed verifies, so a key
rotated in keeps every link signed before it working for the rest of its lifetime while the old key stays listed.

What it says is checked in this order, each with its own plain answer:
tampered (a bad signature, a key no longer listed, or not a link of ours) → expired → used → not yours (the
entry no longer lists that recipient, or is gone). A link never carries a session: it does what it names, once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mailgate.backup.model import BackupRecord

SALT = "mailgate.digest-link.v1"  # a token signed for anything else with the same keys never verifies here
DEFAULT_DAYS = 7
MIN_KEY_CHARACTERS = 32
MAX_TOKEN_CHARACTERS = 2000  # a link is about 200; anything longer is not one of ours


class LinkAction(StrEnum):
    RELEASE = "release"  # deliver the entry to the recipient the link names
    RELEASE_ALLOW_SENDER = "release_allow_sender"  # and add its sender to that recipient's personal allow list
    OPEN = "open"  # the recipient's personal Backup (it only points there: signing in is still needed)


class LinkStatus(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    TAMPERED = "tampered"  # or unknown: nothing we signed, a key no longer listed
    NOT_YOURS = "not_yours"  # the entry does not (or no longer) list the recipient the link names


class LinkKeyError(ValueError):
    """The signing keys cannot be used; the message says what the secret must hold (never a key)."""


@dataclass(frozen=True)
class Link:
    backup_id: str  # empty for OPEN
    recipient: str  # lower case
    action: LinkAction
    nonce: str

    def to_payload(self) -> dict[str, str]:
        return {"b": self.backup_id, "r": self.recipient, "a": self.action.value, "n": self.nonce}


@dataclass(frozen=True)
class Verified:
    status: LinkStatus
    link: Link | None = None  # set only when VALID


class UsedLinks(Protocol):
    """The single-use ledger (aws/link_ledger.py)."""

    def is_used(self, nonce: str) -> bool: ...

    def use(self, nonce: str, expires_at: int, what: str) -> bool:
        """Marks the nonce used; False when it already was (a conditional write decides)."""
        ...

    def forget(self, nonce: str) -> None:
        """Takes a mark back, when what the link does failed before it did anything."""
        ...


def parse_keys(secret_text: str) -> tuple[str, ...]:
    """The keys in a Secrets Manager secret, oldest first: `{"keys": [oldest, ..., newest]}`; a secret the stack
    generated holds `{"key": "..."}` until the first rotation writes the list."""
    try:
        data = json.loads(secret_text)
    except ValueError:
        raise LinkKeyError('the link key secret is not JSON: give {"keys": ["<oldest>", ..., "<newest>"]}') from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not keys and isinstance(data, dict) and isinstance(data.get("key"), str):
        keys = [data["key"]]
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise LinkKeyError('the link key secret must be {"keys": ["<oldest>", ..., "<newest>"]}, strings')
    if any(len(k) < MIN_KEY_CHARACTERS for k in keys):
        raise LinkKeyError(f"each link key must have at least {MIN_KEY_CHARACTERS} characters")
    return tuple(keys)


class LinkSigner:
    """Signs with the newest key, verifies with any listed; `days` is how long a link lives."""

    def __init__(self, keys: Sequence[str], days: int = DEFAULT_DAYS) -> None:
        if not keys:
            raise LinkKeyError("no link keys")
        self.days = days
        # itsdangerous signs with the last key of the list and tries every key, newest first, to verify
        self._serializer = URLSafeTimedSerializer(list(keys), salt=SALT)

    @property
    def max_age(self) -> int:
        return self.days * 86400

    def sign(self, backup_id: str, recipient: str, action: LinkAction) -> str:
        link = Link(backup_id if action != LinkAction.OPEN else "", recipient.strip().lower(), action,
                    secrets.token_urlsafe(16))
        return str(self._serializer.dumps(link.to_payload()))

    def read(self, token: str) -> Verified:
        """The link a token carries, or why it is not one (tampered or expired); used and not-yours are
        decided by `verify`, which has the ledger and the entry."""
        if not token or len(token) > MAX_TOKEN_CHARACTERS:
            return Verified(LinkStatus.TAMPERED)
        try:
            payload = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            return Verified(LinkStatus.EXPIRED)
        except BadSignature:
            return Verified(LinkStatus.TAMPERED)
        link = _link(payload)
        return Verified(LinkStatus.VALID, link) if link else Verified(LinkStatus.TAMPERED)

    def expires_at(self, token: str) -> int:
        """When a token signed now stops working (UNIX time): how long the ledger keeps its mark."""
        _, signed_at = self._serializer.loads(token, max_age=None, return_timestamp=True)
        return int(signed_at.timestamp()) + self.max_age


def verify(signer: LinkSigner, token: str, used: UsedLinks, record: BackupRecord | None) -> Verified:
    """What a token may do now: the link when VALID, else only why not (nothing about any message)."""
    found = signer.read(token)
    if found.link is None:
        return found
    link = found.link
    if used.is_used(link.nonce):
        return Verified(LinkStatus.USED)
    if link.action != LinkAction.OPEN and (
            record is None or record.backup_id != link.backup_id
            or link.recipient not in {r.strip().lower() for r in record.recipients}):
        return Verified(LinkStatus.NOT_YOURS)
    return found


def _link(payload: object) -> Link | None:
    if not isinstance(payload, dict) or set(payload) != {"b", "r", "a", "n"}:
        return None
    if not all(isinstance(v, str) for v in payload.values()):
        return None
    try:
        action = LinkAction(payload["a"])
    except ValueError:
        return None
    if not payload["r"] or not payload["n"] or (action != LinkAction.OPEN and not payload["b"]):
        return None
    return Link(payload["b"], payload["r"], action, payload["n"])
