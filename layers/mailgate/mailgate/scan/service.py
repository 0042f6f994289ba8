"""The scan step as a service: what the `scan` handler calls.

It holds no boto3: storage, queues and logs arrive as ports, so Lambda, local mode and the tests run
the same code against different adapters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace  # the envelope and the report are msgspec Structs (mailgate.documents)

from mailgate.config import GatewayConfig
from mailgate.costing.usage import scan_usage
from mailgate.events import model as ev
from mailgate.events.log import EventLog
from mailgate.message import Message, parse_message
from mailgate.message.line_endings import line_ending_note, normalised_line_endings, with_line_ending_defect
from mailgate.ports import HandOffQueue, MailStore, ReportHome, StatusBoard
from mailgate.scan.envelope import Envelope
from mailgate.scan.handoff import LISTED_RECIPIENTS, HandOff, pack_report
from mailgate.scan.inbound import InboundMail, client_from_trusted_received
from mailgate.scan.report import ScanReport
from mailgate.scan.run import scan_message
from mailgate.scanners.antivirus.engine_watch import ENGINE_COMPONENT, EngineWatch
from mailgate.scanners.antivirus.signature_watch import STATUS_COMPONENT, SignatureWatch
from mailgate.scanners.base import ScanContext, Scanner

if TYPE_CHECKING:  # the scan path never loads the delivery code
    from mailgate.backup.keeper import BackupKeeper

logger = logging.getLogger(__name__)
USAGE_OCTETS = 150  # what the usage adds to a compressed report
APPLICATION_ANTIVIRUS = "application:antivirus"  # the event log's "message id" for the engine's own events


def _header_recipients(message: Message) -> tuple[str, ...]:
    return tuple(addr for _, addr in (*message.to, *message.cc) if addr)


OUTGOING_PREFIX = "outgoing/"  # where the organisation's authenticated ingress stores its own mail
OUTBOUND_SKIPPED = frozenset({"authentication", "antiphishing"})  # about senders from outside, not our own


def complete_envelope(inbound: InboundMail, message: Message,
                      outgoing_prefix: str = OUTGOING_PREFIX) -> tuple[Envelope, list[str]]:
    """The envelope from the event, with client IP/HELO from the Received header our ingress wrote, and the
    direction from where the message was stored: only the authenticated ingress writes under `outgoing_prefix`."""
    notes: list[str] = []
    envelope = inbound.envelope
    outbound = bool(outgoing_prefix) and inbound.key.startswith(outgoing_prefix)
    if envelope is None:
        mail_from = (message.header("Return-Path") or "").strip().strip("<>")
        envelope = Envelope(mail_from=mail_from, recipients=_header_recipients(message))
        notes.append("the event carried no envelope: recipients taken from To/Cc headers")
    if envelope.client_ip is None:
        received = message.header_all("Received")
        ip, helo = client_from_trusted_received(received[0] if received else None)
        envelope = replace(envelope, client_ip=ip, helo=envelope.helo or helo)
    if outbound:
        envelope = replace(envelope, direction="outbound")
    elif envelope.direction != "inbound" or envelope.authenticated_as:  # a claim, not where it was stored
        envelope = replace(envelope, direction="inbound", authenticated_as=None)
    return envelope, notes


def _bounded(envelope: dict[str, Any]) -> dict[str, Any]:
    """An envelope as an event shows it: the first recipients and how many there are (all are in the report)."""
    recipients = envelope.get("recipients") or []
    if len(recipients) <= LISTED_RECIPIENTS:
        return envelope
    return {**envelope, "recipients": recipients[:LISTED_RECIPIENTS], "recipients_count": len(recipients)}


class ScanService:
    def __init__(self, config: GatewayConfig, store: MailStore, events: EventLog,
                 scanners: Sequence[Scanner], backup: BackupKeeper, handoff: HandOffQueue,
                 reports_prefix: str = "reports/", status_board: StatusBoard | None = None,
                 clock: Callable[[], float] = time.time,
                 release_hold: Callable[[str, int | None], None] | None = None,
                 outgoing_prefix: str = OUTGOING_PREFIX,
                 exposure: Callable[[ScanReport], Sequence[int]] | None = None,
                 reports: ReportHome | None = None) -> None:
        self.config = config
        self.outgoing_prefix = outgoing_prefix
        self.store = store
        self.events = events
        self.scanners = scanners
        self.backup = backup
        self.handoff = handoff
        self.reports_prefix = reports_prefix
        self.status_board = status_board
        self.signature_watch = SignatureWatch()
        self.engine_watch = EngineWatch()
        self.unavailable_engines: tuple[str, ...] = ()  # of the last scan: the handler counts them for the alarm
        self.clock = clock
        self.release_hold = release_hold  # a held message that ends in Backup gives back its quarantine place
        self.exposure = exposure  # indexes the message's indicators (mailgate.exposure); never fails a scan
        self.reports = reports  # where reports are kept (None: S3 under reports_prefix, as before the table kept them)

    def handle(self, inbound: InboundMail, attempt: int) -> HandOff | None:
        """Scan and hand off; on the last attempt a failure keeps the original in Backup."""
        try:
            handoff = self.scan(inbound)
        except Exception as exc:
            if attempt < self.config.delivery.max_attempts:
                raise
            envelope = inbound.envelope
            from mailgate.actions.last_resort import hold_after_failure  # noqa: PLC0415

            hold_after_failure(self.backup, self.events, inbound.message_id,
                               {"bucket": inbound.bucket, "key": inbound.key},
                               envelope.recipients if envelope else (),
                               envelope.mail_from if envelope else "", f"{type(exc).__name__}: {exc}")
            if inbound.rescan and self.release_hold is not None:
                self.release_hold(str(inbound.rescan.get("hold_key") or ""), inbound.rescan.get("size") or None)
            return None
        if handoff is not None:
            self.handoff.send(handoff.to_dict())
        return handoff

    def scan(self, inbound: InboundMail) -> HandOff | None:
        started = time.perf_counter()  # the message's measured usage travels in its report (mailgate.costing)
        raw, changed_line_endings = normalised_line_endings(self.store.get_bytes(inbound.key, inbound.bucket))
        message = with_line_ending_defect(parse_message(raw), changed_line_endings)
        envelope, notes = complete_envelope(inbound, message, self.outgoing_prefix)
        if changed_line_endings:
            notes = [*notes, line_ending_note(changed_line_endings)]
        outbound = envelope.direction == "outbound"
        accepted = tuple(r for r in envelope.recipients if self.config.route_for(r, outbound) is not None)
        refused = [r for r in envelope.recipients if r not in accepted]
        envelope = replace(envelope, recipients=accepted)
        mid = inbound.message_id
        facts: dict[str, Any] = {"sender": envelope.mail_from, "subject": message.subject}
        summary = (f"re-scanned after a hold of {inbound.rescan.get('hold_minutes')} minutes (Anti-Spam "
                   f"Quarantine) for {len(accepted)} recipient(s)" if inbound.rescan else
                   f"{'outbound mail ' if outbound else ''}received from {envelope.mail_from or '<>'} for "
                   f"{len(accepted)} recipient(s)")
        log = [ev.Event(mid, ev.RECEIVED, summary,
                        detail={"envelope": _bounded(envelope.to_dict()), "size": len(raw),
                                "subject": message.subject, "notes": notes,
                                # the log is searched by these (events/query.py); the sender wrote the first
                                "message_id_header": (message.message_id or "")[:998],
                                "sender_ip": envelope.client_ip,
                                "defects": list(message.defects[:20]),
                                # a held message scanned again is not a second message (mailgate.stats.counting)
                                **({"rescan": True} if inbound.rescan else {})}, **facts)]
        why = "outbound mail is not enabled (outbound.enabled)" if outbound else \
            "recipient domain is not accepted by this gateway"
        log += [ev.Event(mid, ev.REJECTED, why, r, **facts) for r in refused]
        context = ScanContext(envelope, self.config.authserv_id, tuple(self.config.domains))
        scanners = [s for s in self.scanners if s.name not in OUTBOUND_SKIPPED] if outbound else self.scanners
        report = scan_message(raw, envelope, scanners, context, mid,
                              {"bucket": inbound.bucket, "key": inbound.key}, message)
        if inbound.rescan:  # the rules step decides it now, and releases its place in the quarantine
            report = replace(report, facts={**report.facts, "rescan": inbound.rescan})
        log += [ev.Event(mid, ev.SCANNED, f"{r.scanner}: {r.verdict} (score {r.score:g})",
                         detail={"result": r.to_dict()}, verdicts=(r.verdict,), **facts) for r in report.results]
        indexed = self._index(report) if accepted else []
        # the report's stored size, from the report without its usage (compressed, a few dozen octets more)
        kept = len(pack_report(report)) + USAGE_OCTETS if accepted else None
        report = replace(report, facts={**report.facts, "usage": scan_usage(
            started, log, indexed, kept, in_table=self.reports is not None)})
        self.events.append(log)
        self._watch_signatures(report)
        self._watch_engines(report)
        if not accepted:
            return None
        packed = pack_report(report)
        if self.reports is not None:
            report_key = self.reports.put(report, packed)[0]
        else:
            report_key = f"{self.reports_prefix}{mid}.json"
            self.store.put_json(report_key, report.to_dict())
        return HandOff.carrying(report, packed, self.store.bucket, report_key, envelope.mail_from, accepted)

    def _index(self, report: ScanReport) -> list[int]:
        """The message's indicators in the exposure index (mailgate.exposure); the sizes of the items written, for
        its cost. Never fails a scan: a message is not held back for a search index."""
        if self.exposure is None:
            return []
        try:
            return list(self.exposure(report))
        except Exception:
            logger.exception("could not index the message's indicators for the exposure search")
            return []

    def _watch_engines(self, report: ScanReport) -> None:
        """Publish whether clamd answers, and log an error when it stops; never fails a scan."""
        outcome = self.engine_watch.observe(report.result("antivirus"), self.clock())
        self.unavailable_engines = ("antivirus",) if outcome.down else ()
        try:
            if outcome.status is not None and self.status_board is not None:
                self.status_board.publish(ENGINE_COMPONENT, outcome.status)
            if outcome.error is not None:
                self.events.append([ev.Event(APPLICATION_ANTIVIRUS, ev.ERROR, outcome.error,
                                             detail={"engine": outcome.status})])
        except Exception:
            logger.exception("could not publish the anti-virus engine's state")

    def _watch_signatures(self, report: ScanReport) -> None:
        """Publish the signature age for /health and warn when stale; a failure here never fails a scan."""
        outcome = self.signature_watch.observe(report.result("antivirus"), self.clock())
        try:
            if outcome.status is not None and self.status_board is not None:
                self.status_board.publish(STATUS_COMPONENT, outcome.status)
            if outcome.warning is not None:
                self.events.append([ev.Event(APPLICATION_ANTIVIRUS, ev.WARNING, outcome.warning,
                                             detail={"signatures": outcome.signatures})])
        except Exception:
            logger.exception("could not publish the anti-virus signature status")
