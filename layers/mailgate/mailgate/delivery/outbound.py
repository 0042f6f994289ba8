"""What the gateway adds to a message it delivers: our verdict headers, Authentication-Results and the
header changes of the deciding rule.

Exchange trusts `X-MS-Exchange-Organization-*` fields that arrive through a connector it trusts (ours):
an outside sender writing `X-MS-Exchange-Organization-SCL: -1` would skip its filtering, so every such
field from outside is removed and only our SCL is added.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from mailgate.delivery.header_edit import edit_headers, field_name, split_header_block
from mailgate.rules.decision import Decision
from mailgate.scan.report import ScanReport
from mailgate.scanners.antispam.verdict import spam_headers
from mailgate.scanners.authentication.headers import (
    authentication_results_value,
    is_own_authentication_results,
)

MAILGATE_PREFIX = "x-mailgate-"
DEFAULT_HEADER_PREFIX = "X-Mailgate-"
EXCHANGE_ORGANIZATION_PREFIX = "x-ms-exchange-organization-"


def verdict_summary(report: ScanReport) -> str:
    return "; ".join(f"{r.scanner}={r.verdict} score={r.score:g}" for r in report.results)


def mailgate_headers(report: ScanReport, decision: Decision, prefix: str = DEFAULT_HEADER_PREFIX
                     ) -> list[tuple[str, str]]:
    """Our verdict fields, named with the configured prefix; X-Mailgate-Id keeps its name (support finds the
    message by it, and notifications and loops are recognised by it)."""
    fields = [("Action", decision.action), ("Rule", decision.rule), ("Verdicts", verdict_summary(report) or "none")]
    others: list[tuple[str, str]] = []  # Exchange's SCL keeps the name Exchange reads
    antispam = report.result("antispam")
    if antispam is not None and antispam.verdict != "error":
        for name, value in spam_headers(antispam).items():
            if name.startswith(DEFAULT_HEADER_PREFIX):
                fields.append((name.removeprefix(DEFAULT_HEADER_PREFIX), value))
            else:
                others.append((name, value))
    return [("X-Mailgate-Id", report.message_id), *((prefix + name, value) for name, value in fields), *others]


def prepare_for_delivery(raw: bytes, report: ScanReport, decision: Decision, authserv_id: str,
                         header_prefix: str = DEFAULT_HEADER_PREFIX) -> bytes:
    """Strip headers that only we may write (forged ones from outside) and those the rule removes or
    replaces, then add ours and the rule's on top."""

    removed_by_rule = {name.lower() for name in (*decision.remove_headers, *(n for n, _ in decision.set_headers))}
    ours = (MAILGATE_PREFIX, header_prefix.lower(), EXCHANGE_ORGANIZATION_PREFIX)

    def forged(name: str, value: str) -> bool:
        if name.startswith(ours) or name in removed_by_rule:
            return True
        return name == "authentication-results" and is_own_authentication_results(value, authserv_id)

    added = [*mailgate_headers(report, decision, header_prefix), *decision.set_headers,
             *(submission_fields(raw, report, authserv_id) if report.envelope.direction == "outbound" else ())]
    auth = report.result("authentication")
    if auth is not None and auth.verdict != "error":
        added.insert(0, ("Authentication-Results", authentication_results_value(authserv_id, auth)))
    return edit_headers(raw, remove=forged, prepend=added)


def submission_fields(raw: bytes, report: ScanReport, authserv_id: str) -> list[tuple[str, str]]:
    """What a submission server adds to the organisation's own mail when its client left it out (RFC 6409 §8.2,
    §8.3): Date, and a Message-ID made from the gateway's id (the same on every retry). Receivers and DKIM
    verifiers such as OpenDKIM refuse mail without a Date."""
    present = {field_name(f) for f in split_header_block(raw).fields}
    added: list[tuple[str, str]] = []
    if "date" not in present:
        try:
            when = datetime.fromisoformat(str(report.envelope.received_at).replace("Z", "+00:00"))
        except ValueError:
            when = datetime.now(UTC)
        added.append(("Date", format_datetime(when if when.tzinfo else when.replace(tzinfo=UTC))))
    if "message-id" not in present:
        added.append(("Message-ID", f"<{report.message_id}@{authserv_id}>"))
    return added
