"""The rules that fire the authentication scanner's named tests (catalog.py): SPF, DKIM, DMARC, ARC."""

from __future__ import annotations

from collections.abc import Sequence

from mailgate.scan.report import Contribution
from mailgate.scanners.authentication.arc import ArcResult
from mailgate.scanners.authentication.catalog import TESTS
from mailgate.scanners.authentication.dkim_check import DkimResult
from mailgate.scanners.authentication.dmarc import DmarcResult, aligned
from mailgate.scanners.authentication.spf import SpfResult


def _hit(test: str, evidence: str) -> Contribution:
    return TESTS[test].hit(evidence)


def contributions(spf: SpfResult, dkim: Sequence[DkimResult], dmarc: DmarcResult,
                  arc: ArcResult) -> tuple[Contribution, ...]:
    """Every test that fired, in a stable order: SPF, DKIM, DMARC, ARC."""
    hits: list[Contribution] = []
    spf_test = {"pass": "SPF_PASS", "fail": "SPF_FAIL", "softfail": "SPF_SOFTFAIL",
                "neutral": "SPF_NEUTRAL", "permerror": "SPF_PERMERROR",
                "temperror": "SPF_TEMPERROR"}.get(spf.result)
    if spf_test:
        hits.append(_hit(spf_test, f"{spf.result} for {spf.domain} from {spf.client_ip}"))
    hits.extend(_dkim_hits(dkim, dmarc))
    dmarc_test = {"pass": "DMARC_PASS", "permerror": "DMARC_PERMERROR",
                  "temperror": "DMARC_TEMPERROR"}.get(dmarc.result)
    if dmarc.result == "fail":
        dmarc_test = f"DMARC_FAIL_{dmarc.applied_policy.upper()}"
    if dmarc_test:
        hits.append(_hit(dmarc_test, f"{dmarc.from_domain}: {dmarc.reason}"))
    if arc.result in ("pass", "fail"):
        hits.append(_hit(f"ARC_{arc.result.upper()}", f"{arc.instances} ARC set(s): {arc.reason}"))
    return tuple(hits)


def _dkim_hits(dkim: Sequence[DkimResult], dmarc: DmarcResult) -> list[Contribution]:
    """At most one hit per test: ten broken signatures are not ten times the evidence."""
    by_test: dict[str, list[str]] = {}
    for sig in dkim:
        if sig.result == "pass":
            own = aligned(sig.domain, dmarc.from_domain, dmarc.adkim)
            test = "DKIM_VALID_ALIGNED" if own else "DKIM_VALID"
        else:
            test = {"fail": "DKIM_INVALID", "policy": "DKIM_RSA_SHA1_REJECTED",
                    "temperror": "DKIM_TEMPERROR"}.get(sig.result, "DKIM_PERMERROR")
        by_test.setdefault(test, []).append(f"d={sig.domain} s={sig.selector} {sig.result}"
                                            + (f" ({sig.reason})" if sig.reason else ""))
    return [_hit(test, "; ".join(evidence)) for test, evidence in by_test.items()]

