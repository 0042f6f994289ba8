"""Mail Sender Authentication as one record: SPF, DKIM and DMARC results → the rule's actions for
spf_fail, dkim_fail, dmarc_fail, dmarc_reject and dmarc_quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.rules.table import AuthenticationModule
from mailgate.scanners.authentication.catalog import TESTS
from mailgate.scanners.authentication.details import AuthenticationDetails
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin

if TYPE_CHECKING:
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.base import Scanner


def build(deps: ScannerDeps) -> Scanner:
    from mailgate.scanners.authentication.scanner import AuthenticationScanner  # noqa: PLC0415  # scan step only

    return AuthenticationScanner(deps.resolver)


def judge(module: AuthenticationModule, result: ScannerResult | None, judging: Judging) -> list[Request]:
    if judging.skipped(module.enabled, result, judging.lists.skip_authentication):
        return []
    assert result is not None
    if result.verdict == "error":
        judging.note("the check failed to run: treated as neutral, never as bad")
        return []

    def violation(outcome: object) -> bool:
        return outcome == "fail" or (outcome == "temperror" and module.temperror_is_violation) \
            or (outcome == "permerror" and module.permerror_is_violation)

    details = AuthenticationDetails.of(result.details)
    requests: list[Request] = []
    dmarc = details.dmarc
    dmarc_result = dmarc.result
    if module.dmarc and dmarc_result is not None:
        domain, applied = dmarc.from_domain or "?", dmarc.applied_policy
        judging.path.append(f"DMARC for {domain}: result {dmarc_result}, policy {dmarc.policy}, applied {applied}")
        if violation(dmarc_result):
            requests.append(_dmarc_request(module, domain, str(dmarc_result), applied, judging))
        if module.dmarc_primary and dmarc_result in ("pass", "fail"):
            judging.path.append("DMARC result is primary: SPF and DKIM are not judged on their own")
            return requests
    spf = details.spf
    if module.spf and violation(spf.result):
        what = f"SPF {spf.result} for {spf.domain or '?'}"
        requests.append(judging.ask("spf_fail", module.spf_fail, what, what))
    signatures = details.dkim
    if module.dkim and signatures and not any(s.result == "pass" for s in signatures):
        failed = [s for s in signatures if violation(s.result)]
        if failed:
            what = "DKIM " + ", ".join(f"{s.result} for {s.domain or '?'}" for s in failed)
            requests.append(judging.ask("dkim_fail", module.dkim_fail, what, what))
    return requests


def _dmarc_request(module: AuthenticationModule, domain: str, result: str, applied: object,
                   judging: Judging) -> Request:
    if module.apply_dmarc_policy and result == "fail" and applied in ("reject", "quarantine"):
        verdict_class = f"dmarc_{applied}"
        reason = (f"DMARC authentication failed for {domain}, whose owner asks receivers to {applied} such mail "
                  f"(p={applied})")
        options = module.dmarc_reject if applied == "reject" else module.dmarc_quarantine
        return judging.ask(verdict_class, options, reason, f"{domain}, p={applied}")
    reason = f"DMARC authentication {result} for {domain}"
    return judging.ask("dmarc_fail", module.dmarc_fail, reason, f"{domain}, {result}")


PLUGIN = ScannerPlugin(name="authentication", label="Mail Sender Authentication", module=AuthenticationModule,
                       tests=TESTS, build=build, judge=judge)
