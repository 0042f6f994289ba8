"""What the authentication scanner's DMARC result lets anti-spam believe about the sender.

Only an aligned DMARC pass speaks for the From domain: a signature or SPF pass for some other domain, or
a From header alone, proves nothing anyone could not forge or buy. With that pass
- a From domain on the well-known senders list (`known_senders`) is strong evidence of ham
  (AUTH_KNOWN_SENDER): the organisation that sent it answers for it;
- the statistical classifier alone may no longer make the message spam (its contribution is capped
  below the spam threshold): commercial style is not spam, and an authenticated sender is accountable.
Anything that cannot decide (temperror, no authentication result) is simply no pass: nothing is granted.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailgate.config import AntispamSettings
from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scanners.antispam.known_senders import KnownSender, KnownSenderList
from mailgate.scanners.authentication.details import AuthenticationDetails
from mailgate.scanners.plugin import Test

AUTH_KNOWN_SENDER = Test("AUTH_KNOWN_SENDER", -5.0,
                         "The From domain passed DMARC (aligned DKIM or SPF) and is a well-known sender of "
                         "transactional and bulk mail")


@dataclass(frozen=True)
class AuthenticatedSender:
    """The From domain that passed DMARC, how it aligned, and its known-senders entry if any."""

    from_domain: str
    aligned_by: str  # "DKIM d=example.com", "SPF example.com", or both
    known: KnownSender | None

    def contribution(self) -> Contribution | None:
        if self.known is None:
            return None
        source = "the organisation's list" if self.known.source == "organisation" else self.known.source
        return AUTH_KNOWN_SENDER.hit(f"From {self.from_domain}: DMARC pass by {self.aligned_by}; "
                                     f"{self.known.domain} ({self.known.category}, {source})")


def authenticated_sender(authentication: ScannerResult | None, senders: KnownSenderList) -> AuthenticatedSender | None:
    """The DMARC-passing From domain of this message, or None when DMARC did not pass."""
    if authentication is None:
        return None
    details = AuthenticationDetails.of(authentication.details)
    dmarc = details.dmarc
    if dmarc.result != "pass" or not dmarc.from_domain:
        return None
    alignment = authentication.details.get("dmarc", {}).get("alignment", {})
    ways = []
    if isinstance(alignment, dict) and alignment.get("dkim"):
        domains = sorted({d.domain for d in details.dkim if d.result == "pass" and d.domain})
        ways.append("DKIM d=" + ",".join(domains[:3]) if domains else "DKIM")
    if isinstance(alignment, dict) and alignment.get("spf"):
        ways.append(f"SPF {details.spf.domain or ''}".strip())
    return AuthenticatedSender(dmarc.from_domain, " and ".join(ways) or "an aligned identifier",
                               senders.match(dmarc.from_domain))


def classifier_cap(settings: AntispamSettings) -> float:
    """The most an authenticated sender's classifier score may add: halfway between the thresholds, so
    words and style alone make it probable spam at most, and a named test must agree before spam."""
    return (settings.probable_threshold + settings.spam_threshold) / 2


def known_senders(settings: AntispamSettings) -> KnownSenderList:
    chosen = settings.known_senders
    return KnownSenderList.build(shipped=chosen.shipped, add=chosen.add, remove=chosen.remove)
