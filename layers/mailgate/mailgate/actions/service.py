"""The rules step as a service: what the `rules` handler calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailgate.actions.context import RulesPorts
from mailgate.actions.last_resort import hold_after_failure
from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.actions.processor import process_report
from mailgate.config import GatewayConfig
from mailgate.message.line_endings import normalised_line_endings
from mailgate.scan.handoff import HandOff
from mailgate.scan.report import ScanReport

if TYPE_CHECKING:
    from mailgate.ports import MailStore


class RulesService:
    def __init__(self, config: GatewayConfig, store: MailStore, ports: RulesPorts) -> None:
        self.config = config
        self.store = store
        self.ports = ports

    def load(self, handoff: HandOff) -> tuple[ScanReport, bytes]:
        """The report the hand-off carries (or names, in S3) and the original it was made from."""
        report = handoff.carried_report()
        if report is None:
            if not handoff.report_key:
                raise ValueError("the hand-off carries no scan report and names none")
            report = ScanReport.from_dict(self.store.get_json(handoff.report_key, handoff.bucket or None))
        raw = self.store.get_bytes(report.raw_location["key"], report.raw_location["bucket"])
        return report, normalised_line_endings(raw)[0]  # what the scan step saw (it notes the change)

    def process(self, handoff: HandOff, final_attempt: bool) -> list[Outcome]:
        report, raw = self.load(handoff)
        subject = str(report.facts.get("subject") or "")
        return process_report(report, raw, subject, self.config, self.ports, final_attempt)

    def _all_recipients(self, handoff: HandOff) -> list[str]:
        """The hand-off names at most 100 recipients; the stored report has them all, when it can be read."""
        listed = list(handoff.recipients)
        if not handoff.all_listed:
            try:
                return list(self.load(handoff)[0].envelope.recipients) or listed
            except Exception:  # the report is what failed: keep those the hand-off names
                return listed
        return listed

    def bind_invocation(self, context: Any) -> None:
        register = getattr(self.ports.execute_once, "register_lambda_context", None)
        if register is not None:
            register(context)

    def handle(self, handoff: HandOff, attempt: int) -> list[Outcome]:
        """Process a hand-off; on the last attempt, failures end in Backup instead of raising."""
        final = attempt >= self.config.delivery.max_attempts
        try:
            return self.process(handoff, final)
        except Exception as exc:
            if not final:
                raise
            hold_after_failure(self.ports.backup, self.ports.events, handoff.message_id, dict(handoff.raw_location),
                               self._all_recipients(handoff), handoff.mail_from, f"{type(exc).__name__}: {exc}")
            return [Outcome(status=OutcomeStatus.BACKUP, recipients=tuple(handoff.recipients), error=str(exc))]
