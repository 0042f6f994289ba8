"""The rules step: decide per recipient, then act once per group of recipients that share a decision.

Each group's action runs at most once per (message, recipients) through `execute_once` (Powertools
idempotency on DynamoDB in the cloud), so a retried invocation never delivers twice. Temporary
delivery failures raise TemporaryDeliveryError until the last attempt, which keeps the message in
Backup; the queue redelivers the hand-off in between.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mailgate.actions.outcome import OutcomeStatus
from mailgate.backup.keeper import BackupKeeper
from mailgate.config import GatewayConfig, Route
from mailgate.delivery.base import Deliverer, DeliveryResult
from mailgate.delivery.dsn import build_bounce, should_bounce
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.delivery.outbound import prepare_for_delivery
from mailgate.delivery.part_removal import CannotRemoveParts, removal_notice, remove_parts
from mailgate.directory.index import DirectoryIndex
from mailgate.events import model as ev
from mailgate.events.log import EventLog
from mailgate.ports import ExecuteOnce
from mailgate.quarantine.rescan import QuarantineLedger, RescanRequest, RescanScheduler
from mailgate.rules.current import PersonalLookup, decide, needs_directory
from mailgate.rules.decision import DELETE, DELETE_ATTACHMENT, DELIVER, HOLD, REJECT, Decision
from mailgate.rules.matching import CompiledTable
from mailgate.scan.report import ScanReport


@dataclass(frozen=True)
class RulesPorts:
    events: EventLog
    backup: BackupKeeper
    deliverer_for: Callable[[Route], Deliverer]
    bounce_sender: Deliverer | None
    execute_once: ExecuteOnce
    seal: Callable[[bytes], bytes] | None = None  # ARC-seals every delivered message (after DKIM)
    directory: Callable[[], DirectoryIndex | None] = lambda: None  # users and groups in rule conditions
    personal_lists: PersonalLookup | None = None  # each recipient's own allow/deny lists
    quarantine: QuarantineLedger | None = None  # the Anti-Spam Quarantine's count of held mail
    schedule_rescan: RescanScheduler | None = None  # hands a held message back to scan when its hold ends


def _run_directly(key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return action()


# Recipients acted on together: one SMTP transaction or SES send (SES sends to at most 50 recipients; SMTP
# servers take at least 100, RFC 5321 §4.5.3.1.8), one event, one Backup record and one idempotency record
# each, so a message to 10,000 recipients stays within DynamoDB's 400 KB items and every server's limits.
MAX_RECIPIENTS_PER_COPY = 50


@dataclass(frozen=True)
class _Group:
    decision: Decision
    route: Route | None
    recipients: tuple[str, ...]


def group_recipients(report: ScanReport, config: GatewayConfig, recipients: Sequence[str] | None = None,
                     directory: DirectoryIndex | None = None, personal_lists: PersonalLookup | None = None,
                     table: CompiledTable | None = None, hold_refused: str | None = None) -> list[_Group]:
    """Recipients share a copy when their decision and their destination are the same."""
    groups: dict[tuple[Any, ...], _Group] = {}
    for rcpt in recipients if recipients is not None else report.envelope.recipients:
        decision = decide(report, rcpt, config, directory, personal_lists, table, hold_refused)
        route = config.route_for(rcpt)
        key = (decision.signature(), route.key() if route else None)
        if key in groups:
            group = groups[key]
            groups[key] = _Group(group.decision, group.route, (*group.recipients, rcpt))
        else:
            groups[key] = _Group(decision, route, (rcpt,))
    return [_Group(g.decision, g.route, g.recipients[start:start + MAX_RECIPIENTS_PER_COPY])
            for g in groups.values() for start in range(0, len(g.recipients), MAX_RECIPIENTS_PER_COPY)]


Lookups = tuple[DirectoryIndex | None, PersonalLookup | None]


class MessageProcessor:
    """Carries one message's report and raw bytes through its decisions.

    `run` groups the recipients; each group is carried out by a processor of its own, made for that group's
    decision (`_carrying`), so every event it writes names that decision's action and nothing is left over
    from the group before.
    """

    def __init__(self, report: ScanReport, raw: bytes, subject: str, config: GatewayConfig,
                 ports: RulesPorts, final_attempt: bool, action: str | None = None,
                 lookups: Lookups = (None, None)) -> None:
        self.report = report
        self.raw = raw
        self.subject = subject
        self.config = config
        self.ports = ports
        self.final_attempt = final_attempt
        self.mail_from = report.envelope.mail_from
        self.action = action  # the action of the decision this processor carries out; None before grouping
        self.lookups = lookups  # the directory and personal lists the decisions were made with

    def _carrying(self, decision: Decision, lookups: Lookups) -> MessageProcessor:
        return MessageProcessor(self.report, self.raw, self.subject, self.config, self.ports, self.final_attempt,
                                decision.action, lookups)

    @property
    def message_id(self) -> str:
        return self.report.message_id

    def _event(self, kind: str, summary: str, recipient: str | None = None, **detail: Any) -> ev.Event:
        return ev.Event(self.message_id, kind, summary, recipient, detail, sender=self.mail_from,
                        subject=self.subject, action=self.action,
                        verdicts=tuple(sorted(set(self._verdicts().values()))))

    def _verdicts(self) -> dict[str, str]:
        return {r.scanner: r.verdict for r in self.report.results}

    def _keep(self, recipients: tuple[str, ...], reason: str, error: str | None = None) -> str:
        record = self.ports.backup.keep(self.message_id, self.report.raw_location, recipients,
                                        self.mail_from, self.subject, reason, error, self._verdicts())
        self.ports.events.append([
            self._event(ev.BACKUP, f"original kept in Backup: {reason}", ", ".join(recipients),
                        backup_id=record.backup_id, error=error)
        ])
        return record.backup_id

    def run(self, recipients: Sequence[str] | None = None) -> list[dict[str, Any]]:
        outcomes: list[dict[str, Any]] = []
        retry: list[str] = []
        personal = self.ports.personal_lists
        directory = self.ports.directory() if personal is not None or needs_directory(self.config.rules) else None
        lookups: Lookups = (directory, personal)
        rescan = self.report.facts.get("rescan") or {}
        for group in group_recipients(self.report, self.config, recipients, directory, personal):
            carry = self._carrying(group.decision, lookups)
            outcome = self.ports.execute_once(self._key(group), lambda g=group, c=carry: c._act(g))  # type: ignore[misc]
            outcomes.append(outcome)
            pending = tuple(outcome.get("retry_recipients") or ())
            if pending:  # delivered to some, 4xx for others: try those again as a group of their own
                retry.extend(pending)
        if retry:  # strictly fewer recipients each time (an all-4xx group raises), so this ends
            outcomes.extend(self.run(retry))
        if rescan and self.ports.quarantine is not None:
            size = rescan.get("size")
            self.ports.quarantine.release(str(rescan.get("hold_key") or ""), int(size) if size else None)
        return outcomes

    def _key(self, group: _Group) -> str:
        key = f"{self.message_id}|{','.join(sorted(r.lower() for r in group.recipients))}"
        # the decision after a hold is a new one, not the hold again
        return key + "|rescan" if self.report.facts.get("rescan") else key

    def _act(self, group: _Group) -> dict[str, Any]:
        decision = group.decision
        rcpts = ", ".join(group.recipients)
        self.ports.events.append([
            self._event(ev.DECISION, f"rule {decision.rule}: {decision.action} ({decision.reason})",
                        rcpts, decision=decision.to_dict())
        ])
        backup_id = self._keep(group.recipients, decision.reason) if decision.backup else None
        base = {"recipients": list(group.recipients), "decision": decision.to_dict(), "backup_id": backup_id}
        if decision.action == DELIVER:
            outcome = {**base, **self._deliver(group, self.raw)}
        elif decision.action == DELETE_ATTACHMENT:
            outcome = {**base, **self._deliver_without_parts(group, backup_id)}
        elif decision.action == REJECT:
            outcome = {**base, **self._reject(group.recipients, decision.reason, "5.7.1",
                                              denied=decision.verdict_class == "blacklisted")}
        elif decision.action == HOLD:
            return {**base, **self._hold(group)}  # copies and notifications come with the decision after it
        elif decision.action == DELETE:
            summary = ("not delivered: the original is held in Backup" if backup_id
                       else "message deleted, sender not notified")
            self.ports.events.append([self._event(ev.DELETED, summary, rcpts)])
            outcome = {**base, "status": OutcomeStatus.DELETED}
        else:
            raise ValueError(f"unknown action {decision.action!r}")
        self._send_copies(group)
        self._notify(group, outcome)
        return outcome

    def _hold(self, group: _Group) -> dict[str, Any]:
        """The Anti-Spam Quarantine: count the message in, schedule its re-scan; when it is full or the
        re-scan cannot be scheduled, decide these recipients at once as if there were no quarantine."""
        decision, rcpts = group.decision, ", ".join(group.recipients)
        request = RescanRequest.create(self.message_id, self.report.raw_location, self.report.envelope.to_dict(),
                                       group.recipients, decision.hold_minutes, decision.rule, len(self.raw))
        refused = self._admit(request)
        if refused is not None:
            directory, personal = self.lookups
            outcomes = [self._carrying(g.decision, self.lookups)._act(g)
                        for g in group_recipients(self.report, self.config, group.recipients, directory, personal,
                                                  hold_refused=refused)]
            retry = [r for outcome in outcomes for r in outcome.get("retry_recipients") or ()]
            return {"status": OutcomeStatus.DECIDED, "not_held": refused, "outcomes": outcomes,
                    **({"retry_recipients": retry} if retry else {})}
        self.ports.events.append([self._event(ev.HELD, f"held by the Anti-Spam Quarantine for "
                                              f"{decision.hold_minutes} minutes; re-scan due {request.due_at}",
                                              rcpts, hold_key=request.hold_key, due_at=request.due_at)])
        return {"status": OutcomeStatus.HELD, "due_at": request.due_at, "hold_key": request.hold_key}

    def _admit(self, request: RescanRequest) -> str | None:
        """None when the message is held and its re-scan scheduled; else why it cannot be held."""
        ledger, schedule = self.ports.quarantine, self.ports.schedule_rescan
        if ledger is None or schedule is None:
            return "the quarantine is not available in this deployment"
        limits = self.config.spam_quarantine
        refused = ledger.admit(request.hold_key, len(self.raw), limits.max_messages, limits.max_megabytes * 2**20,
                               request.details())
        if refused is None:
            try:
                schedule(request)
            except Exception as exc:  # a scheduler problem must not hold mail back for ever
                ledger.release(request.hold_key, request.size)
                refused = f"the re-scan could not be scheduled: {type(exc).__name__}: {exc}"[:300]
        return refused

    def _send_copies(self, group: _Group) -> None:
        """The rule's BCC copies: the original with our headers, whatever the action."""
        for address in group.decision.bcc:
            route = self.config.route_for(address)
            sender = self.ports.deliverer_for(route) if route else self.ports.bounce_sender
            if sender is None:
                continue
            data = prepare_for_delivery(self.raw, self.report, group.decision, self.config.authserv_id,
                                        self.config.header_prefix)
            try:
                sender.deliver(self.mail_from, (address,), data)
                self.ports.events.append([self._event(ev.COPIED, f"copy sent to {address} (rule "
                                                      f"{group.decision.rule})", ", ".join(group.recipients))])
            except (TemporaryDeliveryError, PermanentDeliveryError) as exc:
                self.ports.events.append([self._event(ev.ERROR, f"copy to {address} failed: {exc}",
                                                      ", ".join(group.recipients))])

    def _notify(self, group: _Group, outcome: dict[str, Any]) -> None:
        """The notifications the decision asks for, from the null sender; a failure never fails the mail."""
        if not group.decision.notifications or self.ports.bounce_sender is None:
            return
        from mailgate.notify.audience import SENDER, addressees, template_name_for  # noqa: PLC0415
        from mailgate.notify.compose import compose, is_notification, should_notify_sender  # noqa: PLC0415
        from mailgate.notify.context import context_from  # noqa: PLC0415

        if is_notification(self.raw):
            return  # never about a notification: two gateways must not notify each other in a loop
        settings = self.config.notifications
        context = context_from(self.report, outcome, self.subject, "")
        rcpts = ", ".join(group.recipients)
        for who, verdict_class in dict.fromkeys(group.decision.notifications):
            if who == SENDER and not should_notify_sender(self.mail_from, self.raw):
                continue
            if who == SENDER and (unvouched := self._unvouched(group.decision.verdict_class == "blacklisted")):
                self.ports.events.append([self._event(ev.NOTIFIED, f"no notification to the sender: {unvouched}",
                                                      rcpts, sent=False)])
                continue
            name = template_name_for(who, group.decision.action, verdict_class)
            template = settings.template(name) if name else None
            to = addressees(who, settings, context)
            if template is None or not to:
                continue
            data = compose(settings, template, context, to, authserv_id=self.config.authserv_id)
            try:
                self.ports.bounce_sender.deliver("", to, data)
                self.ports.events.append([self._event(ev.NOTIFIED, f"notification {name!r} sent to "
                                                      f"{', '.join(to)}", rcpts, template=name)])
            except (TemporaryDeliveryError, PermanentDeliveryError) as exc:
                self.ports.events.append([self._event(ev.ERROR, f"notification {name!r} to {', '.join(to)} "
                                                      f"failed: {exc}", rcpts)])

    def _deliver_without_parts(self, group: _Group, backup_id: str | None) -> dict[str, Any]:
        """Delete attachment: the rest goes on with a notice part; when the parts cannot be cut out
        exactly, nothing is delivered and the original stays in Backup."""
        removals = group.decision.removals
        notice = removal_notice((r.filename or f"part {r.part_path}", r.reason) for r in removals)
        try:
            stripped = remove_parts(self.raw, {r.part_path for r in removals}, notice)
        except CannotRemoveParts as exc:
            rcpts = ", ".join(group.recipients)
            self.ports.events.append([self._event(ev.ERROR, f"attachments could not be removed: {exc}", rcpts)])
            if backup_id is None:
                backup_id = self._keep(group.recipients, "attachments could not be removed", str(exc))
            self.ports.events.append([self._event(ev.DELETED, "not delivered: the original is held in Backup",
                                                  rcpts)])
            return {"status": OutcomeStatus.DELETED, "backup_id": backup_id, "error": str(exc)}
        self.ports.events.append([
            self._event(ev.PARTS_REMOVED, f"removed {len(removals)} attachment(s): "
                        + ", ".join(r.filename or f"part {r.part_path}" for r in removals),
                        ", ".join(group.recipients), removals=[r.to_dict() for r in removals])
        ])
        return {**self._deliver(group, stripped), "removed_parts": [r.part_path for r in removals]}

    def _deliver(self, group: _Group, raw: bytes) -> dict[str, Any]:
        rcpts = ", ".join(group.recipients)
        if group.route is None:
            return self._reject(group.recipients, "the recipient's domain is not accepted by this gateway",
                                "5.1.2")
        data = prepare_for_delivery(raw, self.report, group.decision, self.config.authserv_id,
                                    self.config.header_prefix)
        unmodified = data
        data = self._modified(data, group.decision, rcpts)
        modified = data is not unmodified and data != unmodified  # our tags, warning or disclaimer
        data, notes = self._sealed(data, rcpts)
        try:
            result = self._handed_over(group, group.route, data, notes)
        except TemporaryDeliveryError as exc:
            if self.final_attempt:
                backup_id = self._keep(group.recipients, "undeliverable after retries", str(exc))
                return {"status": OutcomeStatus.BACKUP, "error": str(exc), "backup_id": backup_id}
            self.ports.events.append([self._event(ev.DEFERRED, f"delivery deferred: {exc}", rcpts)])
            raise
        except PermanentDeliveryError as exc:
            kept = self._keep_refused_original(group.recipients, modified, str(exc))
            return {**self._reject(group.recipients, f"the destination server refused the message: {exc}",
                                   exc.enhanced_status or "5.0.0"), **kept}
        delivered = tuple(result.accepted)
        permanent = {r: f for r, f in result.refused.items() if f[0] >= 500}
        temporary = tuple(r for r, f in result.refused.items() if f[0] < 500)
        outcome: dict[str, Any] = {"status": OutcomeStatus.DELIVERED if delivered else OutcomeStatus.REFUSED,
                                   "delivered": list(delivered)}
        if permanent:
            outcome.update(self._keep_refused_original(
                tuple(permanent), modified, "; ".join(f"{r}: {code} {text}" for r, (code, text) in permanent.items())))
            outcome["bounce"] = self._reject(
                tuple(permanent), "the destination server refused these recipients", "5.0.0",
                {r: f"{code} {text}" for r, (code, text) in permanent.items()})
        if temporary:
            outcome["retry_recipients"] = list(temporary)
            self.ports.events.append([
                self._event(ev.DEFERRED, "delivery deferred for some recipients", ", ".join(temporary))
            ])
        return outcome

    def _handed_over(self, group: _Group, route: Route, data: bytes, notes: list[str]) -> DeliveryResult:
        """Deliver and log the delivery as a step of its own, recorded as soon as the server took the copy:
        a worker that dies after it (copies, notifications, bounces) is retried without a second copy."""

        def hand_over() -> dict[str, Any]:
            result = self.ports.deliverer_for(route).deliver(self.mail_from, group.recipients, data)
            if result.accepted:
                self.ports.events.append([
                    self._event(ev.DELIVERED, f"delivered to {result.host}:{result.port}: {result.reply}",
                                ", ".join(result.accepted), host=result.host, tls=result.tls,
                                **({"notes": notes} if notes else {}))
                ])
            return result.to_dict()

        return DeliveryResult.from_dict(self.ports.execute_once(f"{self._key(group)}|handed-over", hand_over))

    def _keep_refused_original(self, recipients: tuple[str, ...], modified: bool, refusal: str) -> dict[str, Any]:
        """A copy we changed (tags, warning, disclaimer) that the server refuses for good may have been refused
        for our change: the original goes to Backup so the recipient's mail is not lost."""
        if not modified:
            return {}
        return {"backup_id": self._keep(recipients, "the destination server refused the copy we modified", refusal)}

    def _modified(self, data: bytes, decision: Decision, rcpts: str) -> bytes:
        """Subject tags, the insecure-message warning and the rule's disclaimer; a body that cannot be changed
        safely is delivered as it is, and the event says why."""
        from mailgate.delivery.modifications import modify  # noqa: PLC0415 - only mail that asks loads it

        if not (decision.subject_tags or decision.insecure_warning or decision.disclaimer):
            return data
        modified, problems = modify(data, decision, self.config.modifications)
        for text in problems:
            self.ports.events.append([self._event(ev.ERROR, text, rcpts)])
        return modified

    def _sealed(self, data: bytes, rcpts: str) -> tuple[bytes, list[str]]:
        """The ARC seal, our authserv-id vouching for the results we recorded. Never our DKIM signature: this
        step delivers mail that came from outside, and a signature with our domain on a forged From would be
        replayable by anyone who received it (DKIM signing is for authenticated outbound mail only). A key or
        secret problem must not hold mail back (an error event); a message that cannot carry a seal (no
        From) is delivered with a note saying so."""
        from mailgate.delivery.arc_sealing import MessageNotSealable  # noqa: PLC0415

        notes: list[str] = []
        if self.ports.seal is None:
            return data, notes
        try:
            data = self.ports.seal(data)
        except MessageNotSealable as exc:
            notes.append(f"not ARC-sealed: {exc}")
        except (ValueError, RuntimeError) as exc:
            self.ports.events.append([self._event(ev.ERROR, f"ARC sealing skipped: {exc}", rcpts)])
        return data, notes

    def _unvouched(self, denied: bool = False) -> str | None:
        """Why the envelope sender must not get a bounce or notification (backscatter), or None."""
        from mailgate.delivery.backscatter import unvouched_sender  # noqa: PLC0415

        auth = self.report.result("authentication")
        return unvouched_sender(auth.details if auth is not None else None, self.mail_from, denied)

    def _reject(self, recipients: tuple[str, ...], reason: str, status: str,
                diagnostics: dict[str, str] | None = None, denied: bool = False) -> dict[str, Any]:
        rcpts = ", ".join(recipients)
        unvouched = self._unvouched(denied)
        if unvouched or self.ports.bounce_sender is None or not should_bounce(self.mail_from, self.raw):
            why = (f"no bounce: {unvouched}" if unvouched else "no bounce is sent for this sender")
            self.ports.events.append([
                self._event(ev.REJECTED, f"rejected: {reason}; {why}", rcpts, bounced=False)
            ])
            return {"status": OutcomeStatus.REJECTED, "bounced": False, "reason": reason}
        failed = {r: (status, (diagnostics or {}).get(r, reason)) for r in recipients}
        bounce = build_bounce(self.raw, self.mail_from, failed, self.config.authserv_id,
                              self.config.bounce_from, reason)
        try:
            self.ports.bounce_sender.deliver("", (self.mail_from,), bounce)  # the null sender
        except (TemporaryDeliveryError, PermanentDeliveryError) as exc:
            self.ports.events.append([
                self._event(ev.REJECTED, f"rejected: {reason}; the bounce could not be sent: {exc}", rcpts,
                            bounced=False)
            ])
            return {"status": OutcomeStatus.REJECTED, "bounced": False, "reason": reason, "bounce_error": str(exc)}
        self.ports.events.append([
            self._event(ev.REJECTED, f"rejected: {reason}; bounce sent to {self.mail_from}", rcpts,
                        bounced=True)
        ])
        return {"status": OutcomeStatus.REJECTED, "bounced": True, "reason": reason}


def process_report(report: ScanReport, raw: bytes, subject: str, config: GatewayConfig, ports: RulesPorts,
                   final_attempt: bool = False) -> list[dict[str, Any]]:
    return MessageProcessor(report, raw, subject, config, ports, final_attempt).run()


def run_directly() -> ExecuteOnce:
    """For the CLI and dry runs: no idempotency store."""
    return _run_directly
