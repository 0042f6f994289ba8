"""The named rule tests: header, body, URI and MIME-structure checks, each small and explained.

A rule is a named test (name, weight, one-line description) and a check that returns its evidence (or None
when it does not fire). The table is data: an administrator can read, re-weight or disable a rule
by name. Mailing-list and forwarding recognition (`bulk.list_signals`) runs first and is handed to
every check, so no sender-mismatch rule punishes a list or a forwarder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mailgate.message.defects import CUTS
from mailgate.message.limits import HEURISTIC_TEXT_LIMIT
from mailgate.message.model import Message
from mailgate.scanners.antispam.bulk import ListSignals
from mailgate.scanners.antispam.tokens import clean_subject, domain_of, registrable
from mailgate.scanners.plugin import Test

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
_ADDRESS_IN_NAME = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MONEY_SUBJECT = re.compile(r"(\$\s?\d[\d,]*|\d+\s?%\s?off|\bfree\b.*!|!{2,})", re.I)


@dataclass(frozen=True)
class RuleInput:
    message: Message
    signals: ListSignals
    envelope_from: str


@dataclass(frozen=True)
class Rule:
    """A named test and the check that fires it: the evidence, or None when it does not fire."""

    test: Test
    check: Callable[[RuleInput], str | None]


def _gtube(r: RuleInput) -> str | None:
    text = r.message.text_body + r.message.html_body
    return "the GTUBE test string in the body" if GTUBE in text else None


def _subject_caps(r: RuleInput) -> str | None:
    subject = clean_subject(r.message.subject)
    letters = [c for c in subject if c.isalpha()]
    if len(letters) >= 12 and all(c.isupper() for c in letters):
        return f"Subject: {subject[:80]}"
    return None


def _subject_money(r: RuleInput) -> str | None:
    match = _MONEY_SUBJECT.search(clean_subject(r.message.subject))
    return f"Subject contains {match.group(0)!r}" if match else None


def _image_only_html(r: RuleInput) -> str | None:
    message = r.message
    if not message.html_body or message.text_body.strip():
        return None
    images = message.html_body.lower().count("<img")
    visible = len(message.html_text.strip())
    return f"{images} image(s), {visible} characters of text" if images and visible < 200 else None


def _ip_literal_url(r: RuleInput) -> str | None:
    for url in r.message.urls:
        host = url.host_ascii or url.host or ""
        if host and (host.replace(".", "").isdigit() or ":" in host):
            return url.url[:200]
    return None


def _address_in_display_name(r: RuleInput) -> str | None:
    for name, address in r.message.from_addresses[:1]:
        match = _ADDRESS_IN_NAME.search(name[:HEURISTIC_TEXT_LIMIT])
        if match and match.group(0).lower() != address.lower():
            return f"From: {name[:80]} <{address}>"
    return None


def _missing_date(r: RuleInput) -> str | None:
    return "no Date header" if r.message.header("date") is None else None


def _missing_message_id(r: RuleInput) -> str | None:
    return "no Message-ID header" if r.message.header("message-id") is None else None


def _undisclosed(r: RuleInput) -> str | None:
    value = r.message.header("to")
    if value is None:
        return "no To header"
    return f"To: {value[:80]}" if "undisclosed" in value.lower() else None


def _mailing_list(r: RuleInput) -> str | None:
    return r.signals.mailing_list or r.signals.forwarded


def _from_envelope_mismatch(r: RuleInput) -> str | None:
    """Runs after list recognition: a list or forwarder re-sending mail is not a mismatch."""
    if r.signals.relayed or not r.envelope_from or not r.message.from_addresses:
        return None
    header_domain = domain_of(r.message.from_addresses[0][1])
    envelope_domain = domain_of(r.envelope_from)
    if not header_domain or not envelope_domain:
        return None
    if registrable(header_domain) == registrable(envelope_domain):
        return None
    return f"From domain {header_domain}, envelope sender domain {envelope_domain}"


def _mime_defects(r: RuleInput) -> str | None:
    """Malformed structure, by kind; a bound the parser enforced is not the sender's defect."""
    malformed = {kind: count for kind, count in r.message.defect_kinds.items() if kind not in CUTS}
    total = sum(malformed.values())
    if total < 2:
        return None
    return f"{total} defect(s): " + ", ".join(f"{kind} x{count}" for kind, count in sorted(malformed.items()))[:120]


# Order matters only for reading: list recognition comes before the mismatch test it guards.
BULK_MAIL = Test("BULK_MAIL", 0.0, "Sent by a bulk sender (newsletter signals)")  # recognised in bulk.py
RULES: tuple[Rule, ...] = (
    Rule(Test("GTUBE", 1000.0, "The generic test for unsolicited bulk email (a test string, always spam)"), _gtube),
    Rule(Test("MAILING_LIST", 0.0, "Sent through a mailing list or forwarder (sender checks relaxed)"), _mailing_list),
    Rule(Test("FROM_ENVELOPE_MISMATCH", 0.3,
              "From domain differs from the envelope sender's, and no list or forwarder explains it"),
         _from_envelope_mismatch),
    Rule(Test("SUBJ_ALL_CAPS", 0.5, "Subject is written entirely in capitals"), _subject_caps),
    Rule(Test("SUBJ_MONEY", 0.5, "Subject advertises prices, discounts or shouts with !!"), _subject_money),
    Rule(Test("HTML_IMAGE_ONLY", 1.0, "HTML-only message that is images with almost no text"), _image_only_html),
    Rule(Test("URI_IP_LITERAL", 1.0, "A link points at a bare IP address instead of a domain"), _ip_literal_url),
    Rule(Test("FROM_NAME_HAS_ADDRESS", 1.0, "The From display name shows a different email address"),
         _address_in_display_name),
    Rule(Test("MISSING_DATE", 0.5, "No Date header (RFC 5322 requires one)"), _missing_date),
    Rule(Test("MISSING_MESSAGE_ID", 0.3, "No Message-ID header"), _missing_message_id),
    Rule(Test("TO_UNDISCLOSED", 0.3, "No visible recipients (To missing or 'undisclosed recipients')"), _undisclosed),
    Rule(Test("MIME_DEFECTS", 0.3, "Several MIME structure defects"), _mime_defects),
)
