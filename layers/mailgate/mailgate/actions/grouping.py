"""Recipients acted on together: those whose decision and destination are the same share one copy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mailgate.config import GatewayConfig, Route
from mailgate.directory.index import DirectoryIndex
from mailgate.rules.current import PersonalLookup, decide
from mailgate.rules.decision import Decision
from mailgate.rules.matching import CompiledTable
from mailgate.scan.report import ScanReport

# One SMTP transaction or SES send (SES sends to at most 50 recipients; SMTP servers take at least 100,
# RFC 5321 §4.5.3.1.8), one event, one Backup record and one idempotency record each, so a message to 10,000
# recipients stays within DynamoDB's 400 KB items and every server's limits.
MAX_RECIPIENTS_PER_COPY = 50


@dataclass(frozen=True)
class RecipientGroup:
    decision: Decision
    route: Route | None  # None: the recipient's domain is not one this gateway accepts
    recipients: tuple[str, ...]

    def listed(self) -> str:
        return ", ".join(self.recipients)


def group_recipients(report: ScanReport, config: GatewayConfig, recipients: Sequence[str] | None = None,
                     directory: DirectoryIndex | None = None, personal_lists: PersonalLookup | None = None,
                     table: CompiledTable | None = None, hold_refused: str | None = None) -> list[RecipientGroup]:
    """Each recipient decided on its own; recipients share a copy when decision and destination are the same."""
    groups: dict[tuple[Any, ...], RecipientGroup] = {}
    for rcpt in recipients if recipients is not None else report.envelope.recipients:
        decision = decide(report, rcpt, config, directory, personal_lists, table, hold_refused)
        route = config.route_for(rcpt, outbound=report.envelope.direction == "outbound")
        key = (decision.signature(), route.key() if route else None)
        if key in groups:
            group = groups[key]
            groups[key] = RecipientGroup(group.decision, group.route, (*group.recipients, rcpt))
        else:
            groups[key] = RecipientGroup(decision, route, (rcpt,))
    return [RecipientGroup(g.decision, g.route, g.recipients[start:start + MAX_RECIPIENTS_PER_COPY])
            for g in groups.values() for start in range(0, len(g.recipients), MAX_RECIPIENTS_PER_COPY)]
