"""DMARC (RFC 7489): does an authenticated identity align with the From domain, and what does the
domain owner ask us to do when none does?

The organisational domain comes from the Public Suffix List (publicsuffixlist), whose default
rule `*` makes an unlisted TLD such as `.test` a public suffix, so `mail.sender.test` belongs to
`sender.test`. pct sampling is a random draw per message (the scanner's key comes from `secrets`),
never keyed on anything the sender chooses such as the Message-ID; the disposition is decided once, in
the scan, and a retried delivery reuses that report. A DMARC `fail` needs positive evidence: when the only
identities that could have aligned hit a DNS temperror, the result is `temperror`, not `fail`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from publicsuffixlist import PublicSuffixList

from mailgate.dns import DnsTempError, Resolver
from mailgate.scanners.authentication.dkim_check import DkimResult
from mailgate.scanners.authentication.spf import SpfResult

POLICIES = ("none", "quarantine", "reject")
MAX_FROM_DOMAINS = 5  # §6.6.1: each From domain is evaluated; bound the DNS work
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_VERSION = re.compile(r"^\s*v\s*=\s*DMARC1\s*(;|$)", re.IGNORECASE)
_SEVERITY = {"none": 0, "quarantine": 1, "reject": 2}


class DmarcRecordError(ValueError):
    """A published DMARC record is unusable (RFC 7489 §6.6.3 step 6)."""


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # ~75 ms once per process: parsed on first use, not at import


def organizational_domain(domain: str) -> str:
    """RFC 7489 §3.2: the public suffix plus one label; a public suffix itself stays as it is."""
    domain = domain.lower().rstrip(".")
    return _psl().privatesuffix(domain) or domain


def aligned(identifier: str, from_domain: str, mode: str) -> bool:
    """Strict: the same domain. Relaxed: the same organisational domain (RFC 7489 §3.1)."""
    identifier = identifier.lower().rstrip(".")
    if not identifier or not from_domain:
        return False
    if mode == "s":
        return identifier == from_domain
    return organizational_domain(identifier) == organizational_domain(from_domain)


@dataclass(frozen=True)
class DmarcRecord:
    text: str
    policy: str
    subdomain_policy: str | None
    pct: int
    adkim: str
    aspf: str


def parse_record(text: str) -> DmarcRecord:
    """Parse a `v=DMARC1` record. §6.6.3 step 6: a record without a valid p=, or with an sp= that is not
    valid, reads as p=none when it has a rua= (the owner wants reports), and otherwise applies no policy
    (DmarcRecordError: permerror). Never p= alone with a broken sp= dropped: that would enforce a policy the
    owner did not validly publish for subdomains."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            tags.setdefault(key.strip().lower(), value.strip())
    policy = tags.get("p", "").lower()
    subdomain_policy = tags.get("sp", "").lower() or None
    broken = "p=" if policy not in POLICIES else "sp=" if subdomain_policy not in (None, *POLICIES) else None
    if broken:
        if not tags.get("rua"):
            raise DmarcRecordError(f"DMARC record has no valid {broken} tag: no policy applies ({text[:200]!r})")
        policy, subdomain_policy = "none", None
    pct_text = tags.get("pct", "100")
    pct = int(pct_text) if pct_text.isdigit() and int(pct_text) <= 100 else 100
    adkim = "s" if tags.get("adkim", "r").lower() == "s" else "r"
    aspf = "s" if tags.get("aspf", "r").lower() == "s" else "r"
    return DmarcRecord(text, policy, subdomain_policy, pct, adkim, aspf)


@dataclass(frozen=True)
class DmarcResult:
    result: str  # pass, fail, none, temperror, permerror
    from_domain: str
    org_domain: str
    policy: str | None  # the published p= (None without a record)
    subdomain_policy: str | None  # the published sp=; it governs when the record is the org domain's
    pct: int
    applied_policy: str  # what the owner asks for *this* message after sp= and pct=; "none" unless fail
    spf_aligned: bool
    dkim_aligned: bool
    record: str | None
    reason: str
    adkim: str = "r"  # alignment modes of the record in force (relaxed without one)
    aspf: str = "r"

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "from_domain": self.from_domain, "org_domain": self.org_domain,
                "policy": self.policy, "subdomain_policy": self.subdomain_policy, "pct": self.pct,
                "applied_policy": self.applied_policy,
                "alignment": {"spf": self.spf_aligned, "dkim": self.dkim_aligned},
                "alignment_mode": {"spf": self.aspf, "dkim": self.adkim},
                "record": self.record, "reason": self.reason}


def _outcome(result: str, from_domain: str, reason: str) -> DmarcResult:
    """A result reached without a usable record: nothing aligned, nothing to apply."""
    org = organizational_domain(from_domain) if from_domain else ""
    return DmarcResult(result, from_domain, org, None, None, 100, "none", False, False, None, reason)


def _normalise(domain: str) -> str | None:
    domain = domain.strip().lower().rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return domain if _DOMAIN.match(domain) else None


def evaluate_dmarc(from_domains: Sequence[str], spf: SpfResult, dkim: Sequence[DkimResult],
                   resolver: Resolver, sampling_key: bytes) -> DmarcResult:
    """The DMARC result for a message whose From header names `from_domains` (one per address)."""
    if not from_domains:
        return _outcome("permerror", "", "no From address: DMARC cannot identify the author (§6.6.1)")
    normalised = [_normalise(d) for d in from_domains]
    domains = list(dict.fromkeys(d for d in normalised if d))
    if not domains:
        return _outcome("permerror", "", "the From address has no valid domain")
    if len(domains) == 1:
        return _evaluate_domain(domains[0], spf, dkim, resolver, sampling_key)
    # §6.6.1: evaluate each author domain and apply the strictest policy among those that fail.
    results = [_evaluate_domain(d, spf, dkim, resolver, sampling_key) for d in domains[:MAX_FROM_DOMAINS]]
    failed = [r for r in results if r.result == "fail"]
    if failed:
        chosen = max(failed, key=lambda r: _SEVERITY[r.applied_policy])
    else:
        rank = {"temperror": 0, "permerror": 1, "pass": 2, "none": 3}
        chosen = min(results, key=lambda r: rank.get(r.result, 9))
    return replace(chosen, reason=f"{len(domains)} From domains; decided by {chosen.from_domain}: "
                                  f"{chosen.reason}")


def discover_record(from_domain: str, org_domain: str, resolver: Resolver) -> tuple[DmarcRecord | None, str]:
    """§6.6.3: `_dmarc.<from>` then `_dmarc.<org>`. Returns (record or None, where it was found)."""
    for location in dict.fromkeys((from_domain, org_domain)):
        records = [t for t in resolver.txt(f"_dmarc.{location}") if _VERSION.match(t)]
        if len(records) > 1:
            return None, location  # several records: DMARC is not applied (§6.6.3 step 5)
        if records:
            return parse_record(records[0]), location
    return None, from_domain


def _evaluate_domain(from_domain: str, spf: SpfResult, dkim: Sequence[DkimResult],
                     resolver: Resolver, sampling_key: bytes) -> DmarcResult:
    org = organizational_domain(from_domain)
    try:
        record, location = discover_record(from_domain, org, resolver)
    except DnsTempError as exc:
        return _outcome("temperror", from_domain, f"DMARC record lookup failed: {exc}")
    except DmarcRecordError as exc:
        return _outcome("permerror", from_domain, str(exc))
    if record is None:
        where = f"_dmarc.{from_domain}" + (f" or _dmarc.{org}" if org != from_domain else "")
        return _outcome("none", from_domain, f"no usable DMARC record (none, or several) at {where}")
    in_force = record.policy
    if location != from_domain and record.subdomain_policy:
        in_force = record.subdomain_policy  # found at the organisational domain: sp= governs
    spf_aligned = spf.result == "pass" and aligned(spf.domain, from_domain, record.aspf)
    dkim_aligned = any(r.result == "pass" and aligned(r.domain, from_domain, record.adkim) for r in dkim)
    base = DmarcResult("pass", from_domain, org, record.policy, record.subdomain_policy, record.pct, "none",
                       spf_aligned, dkim_aligned, record.text, "", record.adkim, record.aspf)
    if spf_aligned or dkim_aligned:
        via = " and ".join(n for n, ok in (("SPF", spf_aligned), ("DKIM", dkim_aligned)) if ok)
        return replace(base, reason=f"aligned {via} pass")
    unknown = (spf.result == "temperror" and aligned(spf.domain, from_domain, record.aspf)) or any(
        r.result == "temperror" and aligned(r.domain, from_domain, record.adkim) for r in dkim)
    if unknown:
        return replace(base, result="temperror",
                       reason="an identity that could align could not be checked now")
    applied = in_force if _sampled(record.pct, sampling_key) else _one_step_milder(in_force)
    sampled = "" if applied == in_force else f" (pct={record.pct}: this message is outside the sample)"
    return replace(base, result="fail", applied_policy=applied,
                   reason=f"no aligned SPF or DKIM pass for {from_domain}{sampled}")


def _sampled(pct: int, key: bytes) -> bool:
    """pct sampling by a key the caller makes unpredictable per message (the scanner draws it at random)."""
    if pct >= 100:
        return True
    if pct <= 0:
        return False
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % 100 < pct


def _one_step_milder(policy: str) -> str:
    """§6.6.4: messages outside pct get the next policy down (reject→quarantine→none)."""
    return {"reject": "quarantine", "quarantine": "none"}.get(policy, "none")
