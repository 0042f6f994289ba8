"""The named tests of the authentication scanner: a weight table and the rules that fire them.

Positive weights are evidence of forgery, negative ones of authenticity. A temperror weighs 0: a
DNS hiccup says nothing about the sender. The table is data: weights are tuned here, by name, and
rules can refer to a test by its name.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailgate.scan.report import Contribution
from mailgate.scanners.authentication.arc import ArcResult
from mailgate.scanners.authentication.dkim_check import DkimResult
from mailgate.scanners.authentication.dmarc import DmarcResult, aligned
from mailgate.scanners.authentication.spf import SpfResult

TESTS: dict[str, tuple[float, str]] = {
    "SPF_PASS": (-0.1, "SPF authorises the sending host (for its own domain, which may not be From)"),
    "SPF_FAIL": (1.0, "SPF says the sending host is not authorised"),
    "SPF_SOFTFAIL": (0.5, "SPF says the sending host is probably not authorised"),
    "SPF_NEUTRAL": (0.0, "SPF makes no statement about the sending host"),
    "SPF_PERMERROR": (0.3, "the sender's SPF record is broken (e.g. too many DNS lookups)"),
    "SPF_TEMPERROR": (0.0, "SPF could not be checked now (DNS)"),
    "DKIM_VALID_ALIGNED": (-1.0, "a valid DKIM signature from the From domain"),
    "DKIM_VALID": (-0.2, "a valid DKIM signature from another domain"),
    "DKIM_INVALID": (0.5, "a DKIM signature does not verify (content changed or forged)"),
    "DKIM_RSA_SHA1_REJECTED": (0.2, "an rsa-sha1 DKIM signature, which is not accepted (RFC 8301)"),
    "DKIM_PERMERROR": (0.2, "a DKIM signature cannot be verified (no key, bad syntax)"),
    "DKIM_TEMPERROR": (0.0, "a DKIM key could not be fetched now (DNS)"),
    "DMARC_PASS": (-1.0, "the From domain is authenticated (DMARC pass)"),
    "DMARC_FAIL_REJECT": (3.0, "DMARC fails and the domain owner asks to reject"),
    "DMARC_FAIL_QUARANTINE": (2.0, "DMARC fails and the domain owner asks to quarantine"),
    "DMARC_FAIL_NONE": (1.0, "DMARC fails; the domain owner only monitors (p=none)"),
    "DMARC_PERMERROR": (0.0, "DMARC cannot be evaluated (no usable From or record)"),
    "DMARC_TEMPERROR": (0.0, "DMARC could not be evaluated now (DNS)"),
    "ARC_PASS": (-0.2, "an intact ARC chain (its sealers are not judged here)"),
    "ARC_FAIL": (0.5, "a broken ARC chain"),
}


def _hit(test: str, evidence: str) -> Contribution:
    weight, description = TESTS[test]
    return Contribution(test, weight, description, evidence)


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

