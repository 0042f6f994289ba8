"""What the gateway adds to a message it delivers: our verdict headers, Authentication-Results and the
header changes of the deciding rule.

Exchange trusts `X-MS-Exchange-Organization-*` fields that arrive through a connector it trusts (ours):
an outside sender writing `X-MS-Exchange-Organization-SCL: -1` would skip its filtering, so every such
field from outside is removed and only our SCL is added.
"""

from __future__ import annotations

from mailgate.delivery.header_edit import edit_headers
from mailgate.report import ScanReport
from mailgate.rules.decision import Decision
from mailgate.scanners.antispam.verdict import spam_headers
from mailgate.scanners.authentication.headers import (
    authentication_results_value,
    is_own_authentication_results,
)

MAILGATE_PREFIX = "x-mailgate-"
EXCHANGE_ORGANIZATION_PREFIX = "x-ms-exchange-organization-"


def verdict_summary(report: ScanReport) -> str:
    return "; ".join(f"{r.scanner}={r.verdict} score={r.score:g}" for r in report.results)


def mailgate_headers(report: ScanReport, decision: Decision) -> list[tuple[str, str]]:
    headers = [
        ("X-Mailgate-Id", report.message_id),
        ("X-Mailgate-Action", decision.action),
        ("X-Mailgate-Rule", decision.rule),
        ("X-Mailgate-Verdicts", verdict_summary(report) or "none"),
    ]
    antispam = report.result("antispam")
    if antispam is not None and antispam.verdict != "error":
        headers.extend(spam_headers(antispam).items())
    return headers


def prepare_for_delivery(raw: bytes, report: ScanReport, decision: Decision, authserv_id: str) -> bytes:
    """Strip headers that only we may write (forged ones from outside) and those the rule removes or
    replaces, then add ours and the rule's on top."""

    removed_by_rule = {name.lower() for name in (*decision.remove_headers, *(n for n, _ in decision.set_headers))}

    def forged(name: str, value: str) -> bool:
        if name.startswith((MAILGATE_PREFIX, EXCHANGE_ORGANIZATION_PREFIX)) or name in removed_by_rule:
            return True
        return name == "authentication-results" and is_own_authentication_results(value, authserv_id)

    added = [*mailgate_headers(report, decision), *decision.set_headers]
    auth = report.result("authentication")
    if auth is not None and auth.verdict != "error":
        added.insert(0, ("Authentication-Results", authentication_results_value(authserv_id, auth)))
    return edit_headers(raw, remove=forged, prepend=added)
