"""What every action needs: the message as the rules step holds it, the adapters it acts through, and the
one way it writes events and keeps originals in Backup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailgate.actions.grouping import RecipientGroup
from mailgate.actions.outbound_limits import LimitCheck, OutboundCounter
from mailgate.actions.outcome import Outcome
from mailgate.backup.keeper import BackupKeeper
from mailgate.backup.model import HeldBy, Holding, held_by_module
from mailgate.config import GatewayConfig, Route
from mailgate.costing.usage import CostMeter
from mailgate.delivery.backscatter import unvouched_sender
from mailgate.delivery.base import Deliverer
from mailgate.directory.index import DirectoryIndex
from mailgate.events import model as ev
from mailgate.events.log import EventLog
from mailgate.ports import ExecuteOnce
from mailgate.quarantine.rescan import QuarantineLedger, RescanScheduler
from mailgate.rules.current import PersonalLookup
from mailgate.scan.report import ScanReport

# Shadow mode (mailgate.replay.shadow): called with the live outcomes once they are carried out.
ShadowPort = Callable[[ScanReport, str, Sequence[Outcome], DirectoryIndex | None, PersonalLookup | None, bytes], None]


@dataclass(frozen=True)
class RulesPorts:
    events: EventLog
    backup: BackupKeeper
    deliverer_for: Callable[[Route], Deliverer]
    bounce_sender: Deliverer | None
    execute_once: ExecuteOnce
    seal: Callable[[bytes], bytes] | None = None  # ARC-seals every delivered inbound message
    sign: Callable[[bytes], bytes] | None = None  # DKIM-signs outbound mail (the organisation's own) only
    outbound_deliverer_for: Callable[[Route], Deliverer] | None = None  # outbound mail's (SES v2); None: as inbound
    directory: Callable[[], DirectoryIndex | None] = lambda: None  # users and groups in rule conditions
    personal_lists: PersonalLookup | None = None  # each recipient's own allow/deny lists
    quarantine: QuarantineLedger | None = None  # the Anti-Spam Quarantine's count of held mail
    schedule_rescan: RescanScheduler | None = None  # hands a held message back to scan when its hold ends
    outbound_counter: OutboundCounter | None = None  # outbound spam control's hourly counts per sender
    announce: Callable[[LimitCheck, GatewayConfig], None] | None = None  # tells the administrators of a limit
    shadow: ShadowPort | None = None  # shadow mode: a candidate's would-be decisions logged, acting on nothing


@dataclass(frozen=True)
class MessageContext:
    """One message in the rules step. `directory` and `personal` are what its decisions were made with, so a
    group decided again (the quarantine could not hold it) is decided with the same."""

    report: ScanReport
    raw: bytes
    subject: str
    config: GatewayConfig
    ports: RulesPorts
    final_attempt: bool
    directory: DirectoryIndex | None = None
    personal: PersonalLookup | None = None
    cost: CostMeter = field(default_factory=CostMeter)  # the rules step's clock; the cost on the first decision

    @property
    def message_id(self) -> str:
        return self.report.message_id

    @property
    def mail_from(self) -> str:
        return self.report.envelope.mail_from

    def verdicts(self) -> dict[str, str]:
        return {r.scanner: r.verdict for r in self.report.results}

    def log(self, group: RecipientGroup, kind: str, summary: str, recipients: str | None = None,
            **detail: Any) -> None:
        """One event of the group's decision (its action is on every event the decision writes)."""
        self.ports.events.append([
            ev.Event(self.message_id, kind, summary, recipients if recipients is not None else group.listed(),
                     detail, sender=self.mail_from, subject=self.subject, action=group.decision.action,
                     verdicts=tuple(sorted(set(self.verdicts().values()))))
        ])

    def keep(self, group: RecipientGroup, recipients: tuple[str, ...], reason: str, error: str | None = None,
             held_by: HeldBy | None = None) -> str:
        """The original in Backup for these recipients, and the event that says so; its Backup id. `held_by`:
        what went wrong, when it was not the decision's module that kept it."""
        decision = group.decision
        holding = Holding(held_by=held_by or held_by_module(decision.module, decision.verdict_class),
                          verdict_class=decision.verdict_class, rule=decision.rule,
                          header_message_id=str(self.report.facts.get("message_id") or "")[:998],
                          sender_ip=self.report.envelope.client_ip or "", size=len(self.raw))
        record = self.ports.backup.keep(self.message_id, self.report.raw_location, recipients, self.mail_from,
                                        self.subject, reason, error, self.verdicts(), holding)
        self.log(group, ev.BACKUP, f"original kept in Backup: {reason}", ", ".join(recipients),
                 backup_id=record.backup_id, error=error)
        return record.backup_id

    def unvouched(self, denied: bool = False) -> str | None:
        """Why the envelope sender must not get a bounce or notification (backscatter), or None."""
        auth = self.report.result("authentication")
        return unvouched_sender(auth.details if auth is not None else None, self.mail_from, denied)
