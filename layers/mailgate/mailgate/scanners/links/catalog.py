"""The named tests of the link scanner: weight, description, and the verdict a hit implies.

A reputation hit decides the verdict by itself; structural signals add up, and only enough of
them together (the threshold) call a link phishing, or malicious when one of them downloads a
program: software sites link to installers every day, from hosts that hide nothing.
"""

from __future__ import annotations

from mailgate.scan.report import Contribution

CLEAN, PHISHING, MALICIOUS = "clean", "phishing_link", "malicious_link"
STRUCTURE_THRESHOLD = 5.0

TESTS: dict[str, tuple[float, str, str]] = {
    "LINK_LIST_PHISHING": (10.0, "a URL is on a local phishing list", PHISHING),
    "LINK_LIST_MALICIOUS": (10.0, "a URL is on a local malicious-URL list", MALICIOUS),
    "LINK_URIBL_PHISHING": (10.0, "a linked domain is on a URI blocklist (phishing)", PHISHING),
    "LINK_URIBL_MALICIOUS": (10.0, "a linked domain is on a URI blocklist (malware)", MALICIOUS),
    "LINK_DANGEROUS_DOWNLOAD": (3.0, "a link downloads a program (executable file extension)", CLEAN),
    "LINK_USERINFO": (3.5, "a URL hides its host behind user@ (http://bank.com@evil.example/)", CLEAN),
    "LINK_IP_LITERAL": (2.5, "a link goes to a bare IP address, not a name", CLEAN),
    "LINK_DATA_URI": (3.0, "a link or form is a data: URL carrying a whole page", CLEAN),
    "LINK_OBFUSCATED_HOST": (1.5, "a host with very many or very long labels", CLEAN),
    "LINK_OBFUSCATED": (1.0, "a very long URL or percent-escapes in the host", CLEAN),
    "LINK_SHORTENER": (0.5, "a link through a URL shortener hides its destination", CLEAN),
}


def hit(test: str, evidence: str) -> Contribution:
    weight, description, _ = TESTS[test]
    return Contribution(test, weight, description, evidence)


def verdict_of(test: str) -> str:
    return TESTS[test][2]
