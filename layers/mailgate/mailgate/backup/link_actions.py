"""What a digest link does when its owner confirms it: release the entry to that recipient only (through
mailgate.backup.releasing, as every release), and for `release_allow_sender` add the sender to that recipient's
personal allow list. Looking at a link (`inspect`) never acts: mail scanners open links before people do.

A link is used up by a conditional write before it acts, so two clicks act once; when what it does fails before
anything was delivered (the mail server is down), the mark is taken back and the same link can try again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from mailgate.backup.links import Link, LinkAction, LinkSigner, LinkStatus, UsedLinks, verify
from mailgate.backup.model import BackupIndex, BackupRecord
from mailgate.backup.releasing import ReleaseOrder, ReleasePorts, TargetStatus, release
from mailgate.backup.safe_view import is_dangerous
from mailgate.config import GatewayConfig

ACTOR = "digest link"


class Done(StrEnum):
    RELEASED = "released"  # delivered now
    ALREADY_RELEASED = "already_released"  # it had been delivered to this recipient before
    FAILED = "failed"  # not delivered: the link still works, try again later
    NOT_ALLOWED = "not_allowed"  # the settings no longer let users release this kind of hold


@dataclass(frozen=True)
class LinkPorts:
    signer: LinkSigner
    used: UsedLinks
    index: BackupIndex
    releasing: Callable[[], ReleasePorts | None]
    allow_sender: Callable[[str, str, str], bool]  # (recipient, sender, actor): False when it cannot be listed


@dataclass(frozen=True)
class Looked:
    status: LinkStatus
    link: Link | None = None
    record: BackupRecord | None = None  # only when VALID, and only to say what the link will do


@dataclass(frozen=True)
class Outcome:
    status: LinkStatus  # VALID when the link was used now
    done: Done | None = None
    record: BackupRecord | None = None
    allowed_sender: bool = False
    detail: str = ""


def inspect(ports: LinkPorts, token: str) -> Looked:
    """What the token may do, without doing it or using it up."""
    found = ports.signer.read(token)
    record = ports.index.get(found.link.backup_id) if found.link and found.link.backup_id else None
    checked = verify(ports.signer, token, ports.used, record)
    return Looked(checked.status, checked.link, record if checked.status == LinkStatus.VALID else None)


def use(ports: LinkPorts, config: GatewayConfig, token: str) -> Outcome:
    looked = inspect(ports, token)
    link, record = looked.link, looked.record
    if looked.status != LinkStatus.VALID or link is None or record is None:
        return Outcome(looked.status)  # an OPEN link (VALID) only points at the personal Backup: nothing to do
    refused = _refusal(ports, config, link, record, token)
    if refused is not None:
        return refused
    releasing = ports.releasing()
    if releasing is None:
        return Outcome(LinkStatus.VALID, Done.FAILED, record, detail="releases are not set up on this gateway")
    if not ports.used.use(link.nonce, ports.signer.expires_at(token), f"{link.action} {link.backup_id}"):
        return Outcome(LinkStatus.USED)  # a second click got here first
    who = f"{ACTOR} ({link.recipient})"
    try:
        result = release(record, ReleaseOrder((link.recipient,), who, request_id=f"link-{link.nonce}"), config,
                         releasing)
    except Exception:
        ports.used.forget(link.nonce)
        raise
    [outcome] = result.outcomes
    if outcome.status == TargetStatus.FAILED:
        ports.used.forget(link.nonce)
        return Outcome(LinkStatus.VALID, Done.FAILED, record, detail=outcome.detail)
    done = Done.RELEASED if outcome.status == TargetStatus.DELIVERED else Done.ALREADY_RELEASED
    return Outcome(LinkStatus.VALID, done, result.record, allowed_sender=_allow(ports, link, record))


def _refusal(ports: LinkPorts, config: GatewayConfig, link: Link, record: BackupRecord,
             token: str) -> Outcome | None:
    """Why the link does not release now, or None: what users may release changed, or it was released already
    (to them, since the digest was sent: the link is then used up, and its sender allowed if it says so)."""
    if is_dangerous(record) or record.held_by not in config.backup_self_release:
        return Outcome(LinkStatus.VALID, Done.NOT_ALLOWED, record)
    if link.recipient not in {a.lower() for a in record.released_to}:
        return None
    if not ports.used.use(link.nonce, ports.signer.expires_at(token), f"{link.action} {link.backup_id}"):
        return Outcome(LinkStatus.USED)
    return Outcome(LinkStatus.VALID, Done.ALREADY_RELEASED, record, allowed_sender=_allow(ports, link, record))


def _allow(ports: LinkPorts, link: Link, record: BackupRecord) -> bool:
    if link.action != LinkAction.RELEASE_ALLOW_SENDER or not record.sender:
        return False
    return ports.allow_sender(link.recipient, record.sender, f"{ACTOR} ({link.recipient})")
