"""The named tests of the authentication scanner: a weight table; scoring.py fires them.

Positive weights are evidence of forgery, negative ones of authenticity. A temperror weighs 0: a
DNS hiccup says nothing about the sender. The table is data: weights are tuned here, by name, and
rules can refer to a test by its name.
"""

from __future__ import annotations

from mailgate.scanners.plugin import Test, catalog

TESTS = catalog(
    Test("SPF_PASS", -0.1, "SPF authorises the sending host (for its own domain, which may not be From)"),
    Test("SPF_FAIL", 1.0, "SPF says the sending host is not authorised"),
    Test("SPF_SOFTFAIL", 0.5, "SPF says the sending host is probably not authorised"),
    Test("SPF_NEUTRAL", 0.0, "SPF makes no statement about the sending host"),
    Test("SPF_PERMERROR", 0.3, "the sender's SPF record is broken (e.g. too many DNS lookups)"),
    Test("SPF_TEMPERROR", 0.0, "SPF could not be checked now (DNS)"),
    Test("DKIM_VALID_ALIGNED", -1.0, "a valid DKIM signature from the From domain"),
    Test("DKIM_VALID", -0.2, "a valid DKIM signature from another domain"),
    Test("DKIM_INVALID", 0.5, "a DKIM signature does not verify (content changed or forged)"),
    Test("DKIM_RSA_SHA1_REJECTED", 0.2, "an rsa-sha1 DKIM signature, which is not accepted (RFC 8301)"),
    Test("DKIM_PERMERROR", 0.2, "a DKIM signature cannot be verified (no key, bad syntax)"),
    Test("DKIM_TEMPERROR", 0.0, "a DKIM key could not be fetched now (DNS)"),
    Test("DMARC_PASS", -1.0, "the From domain is authenticated (DMARC pass)"),
    Test("DMARC_FAIL_REJECT", 3.0, "DMARC fails and the domain owner asks to reject"),
    Test("DMARC_FAIL_QUARANTINE", 2.0, "DMARC fails and the domain owner asks to quarantine"),
    Test("DMARC_FAIL_NONE", 1.0, "DMARC fails; the domain owner only monitors (p=none)"),
    Test("DMARC_PERMERROR", 0.0, "DMARC cannot be evaluated (no usable From or record)"),
    Test("DMARC_TEMPERROR", 0.0, "DMARC could not be evaluated now (DNS)"),
    Test("ARC_PASS", -0.2, "an intact ARC chain (its sealers are not judged here)"),
    Test("ARC_FAIL", 0.5, "a broken ARC chain"),
)
