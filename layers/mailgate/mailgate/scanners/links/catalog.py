"""The named tests of the link scanner: weight, description, and the verdict a hit implies.

A reputation hit decides the verdict by itself; structural signals add up, and only enough of
them together (the threshold) call a link phishing, or malicious when one of them downloads a
program: software sites link to installers every day, from hosts that hide nothing.
"""

from __future__ import annotations

from mailgate.scan.report import Contribution
from mailgate.scanners.plugin import Test, by_verdict

CLEAN, PHISHING, MALICIOUS = "clean", "phishing_link", "malicious_link"
STRUCTURE_THRESHOLD = 5.0

_IMPLYING: dict[str, tuple[Test, ...]] = {
    PHISHING: (
        Test("LINK_LIST_PHISHING", 10.0, "a URL is on a local phishing list"),
        Test("LINK_URIBL_PHISHING", 10.0, "a linked domain is on a URI blocklist (phishing)"),
    ),
    MALICIOUS: (
        Test("LINK_LIST_MALICIOUS", 10.0, "a URL is on a local malicious-URL list"),
        Test("LINK_URIBL_MALICIOUS", 10.0, "a linked domain is on a URI blocklist (malware)"),
    ),
    CLEAN: (  # structural signals: only their sum against STRUCTURE_THRESHOLD decides
        Test("LINK_DANGEROUS_DOWNLOAD", 3.0, "a link downloads a program (executable file extension)"),
        Test("LINK_USERINFO", 3.5, "a URL hides its host behind user@ (http://bank.com@evil.example/)"),
        Test("LINK_IP_LITERAL", 2.5, "a link goes to a bare IP address, not a name"),
        Test("LINK_DATA_URI", 3.0, "a link or form is a data: URL carrying a whole page"),
        Test("LINK_OBFUSCATED_HOST", 1.5, "a host with very many or very long labels"),
        Test("LINK_OBFUSCATED", 1.0, "a very long URL or percent-escapes in the host"),
    ),
}
TESTS, _VERDICT = by_verdict(_IMPLYING)


def hit(test: str, evidence: str) -> Contribution:
    return TESTS[test].hit(evidence)


def verdict_of(test: str) -> str:
    return _VERDICT[test]
