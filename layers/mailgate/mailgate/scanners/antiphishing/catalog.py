"""The named tests of the anti-phishing scanner: weight and one-line description.

The verdict is the sum of the weights of the tests that fired: `phishing` at or above the
phishing threshold, `probable_phishing` at or above the probable one (both in
AntiphishingSettings). Negative weights are evidence of ordinary mail.
"""

from __future__ import annotations

from mailgate.scan.report import Contribution
from mailgate.scanners.plugin import Test, catalog

PHISHING, PROBABLE, NOT_PHISHING = "phishing", "probable_phishing", "not_phishing"

TESTS = catalog(
    # brand impersonation
    Test("BRAND_IN_DISPLAY_NAME", 3.5, "a brand in the sender's name, but neither sender nor links are the brand's"),
    Test("BRAND_IN_SUBJECT", 1.0, "a brand in the subject of mail that is not the brand's, with a link"),
    Test("BRAND_IN_CONTENT", 1.0, "a brand in the title or opening text of mail that is not the brand's"),
    Test("BRAND_IN_DOMAIN", 3.0, "a brand's name inside a sender or link domain that is not the brand's"),
    Test("BRAND_LOOKALIKE_DOMAIN", 4.0, "a sender or link domain one letter or look-alike from a brand's"),
    # sender
    Test("REPLY_TO_DIFFERS", 1.5, "replies go to another domain than the sender's"),
    Test("REPLY_TO_FREEMAIL", 2.0, "replies go to a free-mail address while the sender is not free mail"),
    Test("FREEMAIL_POSING_AS_ORGANISATION", 2.5, "a free-mail address with a brand or service desk as its name"),
    Test("FROM_NOT_AN_ADDRESS", 2.5, "the From field holds no usable address (a name or a domain without a dot)"),
    Test("DISPLAY_NAME_OTHER_ADDRESS", 2.0, "the display name shows an address of another domain than the sender's"),
    Test("HIDDEN_CHARACTERS", 2.5, "invisible or mixed-script characters in the sender name or subject"),
    Test("OBFUSCATED_TEXT", 2.0, "styled look-alike letters or s p a c e d words in the sender name or subject"),
    Test("DISPLAY_NAME_TICKET_NUMBER", 1.0, "a long case or order number in the sender's name"),
    Test("EMOJI_IN_DISPLAY_NAME", 1.5, "pictographs in the sender's name, as bulk scams use to catch the eye"),
    Test("FROM_RANDOM_LOCAL_PART", 1.5, "a machine-generated sender address (random mixed case)"),
    Test("SENDER_FREE_HOSTING", 2.0, "the sender's domain is a free hosting or default tenant domain"),
    Test("COUSIN_DOMAIN", 5.0, "a sender or link domain that imitates one of the organisation's own"),
    Test("INTERNAL_NAME_FROM_OUTSIDE", 3.5, "an internal user's name on mail from outside the organisation"),
    # links
    Test("ANCHOR_HREF_MISMATCH", 2.0, "a link's text shows one domain, the link goes to another"),
    Test("LINK_IP_LITERAL", 2.5, "a link to a bare IP address"),
    Test("LINK_PUNYCODE", 1.5, "a link to an internationalised (punycode) host name"),
    Test("LINK_SHORTENER", 1.5, "a link through a URL shortener"),
    Test("LINK_REDIRECTOR", 1.0, "a link through an open redirector to another site"),
    Test("LINK_FREE_HOSTING", 2.0, "a link to a page on free hosting or a form service"),
    Test("LINK_SUSPICIOUS_TLD", 1.5, "a link into a top-level domain favoured by throw-away registrations"),
    Test("SENDER_SUSPICIOUS_TLD", 1.5,
         "the sender's domain is in a top-level domain favoured by throw-away registrations"),
    Test("LINKS_ELSEWHERE", 1.5, "an HTML message none of whose links go to the sender's own domain"),
    Test("HTML_MOSTLY_LINK", 1.0, "an HTML message with little text besides its links"),
    Test("HTML_ONLY", 0.5, "HTML without the plain-text alternative mail programs write"),
    # content
    Test("LURE_ACCOUNT", 2.0, "account, sign-in or mailbox lure wording with something to click"),
    Test("LURE_PAYMENT", 1.5, "payment, refund or billing lure wording with something to click"),
    Test("LURE_PRIZE", 2.0, "prize, gift or reward lure wording with something to click"),
    Test("LURE_DELIVERY", 1.0, "parcel or delivery lure wording with something to click"),
    Test("LURE_URGENCY", 1.0, "deadline or threat wording with something to click"),
    Test("LURE_CRYPTO", 2.0, "cryptocurrency wallet or transfer wording with something to click"),
    Test("LURE_ADVANCE_FEE", 2.0, "advance-fee wording: inheritances, funds, beneficiaries"),
    Test("HTML_PASSWORD_FORM", 4.0, "the message body asks for a password in a form"),
    Test("ATTACHMENT_CREDENTIAL_FORM", 5.0, "an HTML or SVG attachment asking for a password"),
    Test("ATTACHMENT_FORM", 3.0, "an HTML attachment with a form"),
    Test("ATTACHMENT_SCRIPT_REDIRECT", 4.0, "an HTML or SVG attachment that redirects or decodes a page by script"),
    Test("ATTACHMENT_PDF_ACTIVE", 2.0, "a PDF attachment with JavaScript, launch or form-submit actions"),
    Test("ATTACHMENT_PDF_LINK", 1.0, "a PDF attachment that is little more than a link"),
    Test("ARCHIVED_HTML", 2.0, "an archive attachment holding an HTML or SVG page"),
    # corroboration from another scanner
    Test("TEXT_LIKE_LEGITIMATE_MAIL", -2.0, "the anti-spam classifier finds the wording typical of legitimate mail"),
)


def hit(test: str, evidence: str) -> Contribution:
    return TESTS[test].hit(evidence[:300])


def verdict_for(score: float, probable: float, phishing: float) -> str:
    if score >= phishing:
        return PHISHING
    if score >= probable:
        return PROBABLE
    return NOT_PHISHING
