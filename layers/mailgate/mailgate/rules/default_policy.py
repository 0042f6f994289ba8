"""The Default rule until the rule table exists: refuse DMARC p=reject failures, deliver the rest."""

from __future__ import annotations

from mailgate.report import ScanReport
from mailgate.rules.decision import DELIVER, REJECT, Decision

DEFAULT_RULE = "Default"


def decide(report: ScanReport, recipient: str) -> Decision:
    path = [f"recipient {recipient} matched rule {DEFAULT_RULE!r} (the only rule so far)"]
    auth = report.result("authentication")
    if auth is None:
        path.append("no authentication result: nothing to enforce")
    elif auth.verdict == "error":
        path.append("authentication check failed to run: treated as neutral, never as bad")
    else:
        dmarc = auth.details.get("dmarc") or {}
        result, applied = dmarc.get("result"), dmarc.get("applied_policy")
        domain = dmarc.get("from_domain") or "?"
        path.append(f"DMARC for {domain}: result {result}, policy {dmarc.get('policy')}, "
                    f"applied {applied}")
        if result == "fail" and applied == "reject":
            reason = (f"DMARC authentication failed for {domain}, whose owner asks receivers to "
                      "reject such mail (p=reject)")
            path.append(f"action reject: {reason}; original kept in Backup")
            return Decision(REJECT, True, DEFAULT_RULE, reason, "authentication", "dmarc_reject",
                            tuple(path))
    path.append("action deliver: no module asked for anything stricter")
    return Decision(DELIVER, False, DEFAULT_RULE, "no policy violation", None, None, tuple(path))
