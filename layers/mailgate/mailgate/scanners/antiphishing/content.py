"""What the message asks of its reader: lure wording next to a link, and pages that collect
passwords, in the HTML body or in HTML, SVG and PDF attachments (which open in a browser,
outside any link scanner's view)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailgate.message.model import Attachment
from mailgate.scanners.antiphishing.data import lures
from mailgate.scanners.antiphishing.view import MessageView

Hit = tuple[str, str]
ATTACHMENT_BYTES = 300_000  # of each attachment searched: kits put the form or script up front
_PASSWORD_INPUT = re.compile(rb"<input[^>]{0,300}type\s*=\s*[\"']?password", re.IGNORECASE)
FEW_SITES = 3
SHORT_TEXT = 400  # visible characters: a letter says something, a lure is a button
_FORM = re.compile(rb"<form\b", re.IGNORECASE)
_SCRIPT_TRICKS = re.compile(
    rb"window\.location|location\.(?:href|replace|assign)|document\.location|\batob\s*\(|"
    rb"unescape\s*\(|fromCharCode|document\.write\s*\(|eval\s*\(|data:text/html|"
    rb"http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|SubmitForm|OpenAction\s*<<[^>]{0,200}/URI)\b")
_PDF_URI = re.compile(rb"/URI\s*\(")
LURE_TESTS = {"account": "LURE_ACCOUNT", "payment": "LURE_PAYMENT", "prize": "LURE_PRIZE",
              "delivery": "LURE_DELIVERY", "urgency": "LURE_URGENCY", "crypto": "LURE_CRYPTO"}
NO_BAIT_NEEDED = {"advance_fee": "LURE_ADVANCE_FEE"}  # the bait is the reply itself


def lure_hits(view: MessageView) -> Iterator[Hit]:
    """Lure wording counts only with something to act on: a link, a form or an attachment."""
    if view.is_list_mail:
        return
    text = view.lure_text
    for category, pattern in lures().patterns:
        test = NO_BAIT_NEEDED.get(category) or (LURE_TESTS.get(category) if view.has_bait else None)
        if test and (match := pattern.search(text)):
            yield test, repr(match.group(0))


def form_hits(view: MessageView) -> Iterator[Hit]:
    html = view.message.html_body.encode("utf-8", "replace")[:ATTACHMENT_BYTES]
    if _PASSWORD_INPUT.search(html):
        posts = next((u.url[:120] for u in view.message.urls if u.source == "html-form"), "")
        yield "HTML_PASSWORD_FORM", f"a password field in the message body {posts}".strip()


def attachment_hits(view: MessageView) -> Iterator[Hit]:
    seen: set[str] = set()
    for attachment in view.message.attachments:
        for test, evidence in _attachment(attachment):
            if test not in seen:
                seen.add(test)
                yield test, evidence


def _attachment(attachment: Attachment) -> Iterator[Hit]:
    name = attachment.filename or attachment.part_path
    kind = (attachment.detected_type or attachment.declared_type or "").lower()
    lower = (attachment.filename or "").lower()
    content = attachment.content[:ATTACHMENT_BYTES]
    if "pdf" in kind or lower.endswith(".pdf"):
        if _PDF_ACTIVE.search(content):
            yield "ATTACHMENT_PDF_ACTIVE", f"{name}: JavaScript, launch or form actions"
        elif _PDF_URI.search(content) and len(_PDF_URI.findall(content)) <= 3:
            yield "ATTACHMENT_PDF_LINK", f"{name}: a PDF that is little more than a link"
        return
    if not (lower.endswith((".htm", ".html", ".shtml", ".xhtml", ".svg", ".mht", ".mhtml"))
            or "html" in kind or "svg" in kind):
        for member in attachment.archive_members:
            if member.name.lower().endswith((".htm", ".html", ".svg", ".shtml")):
                yield "ARCHIVED_HTML", f"{name}: {member.name}"
                return
        return
    if _PASSWORD_INPUT.search(content) or (_FORM.search(content) and b"password" in content.lower()):
        yield "ATTACHMENT_CREDENTIAL_FORM", f"{name}: a page asking for a password"
    elif _FORM.search(content):
        yield "ATTACHMENT_FORM", f"{name}: a page with a form"
    if (trick := _SCRIPT_TRICKS.search(content)) is not None:
        yield "ATTACHMENT_SCRIPT_REDIRECT", f"{name}: {trick.group(0)[:40].decode('ascii', 'replace')}"
    elif ("svg" in kind or lower.endswith(".svg")) and (b"<script" in content.lower() or b"<a " in content.lower()):
        yield "ATTACHMENT_SCRIPT_REDIRECT", f"{name}: an SVG image with a script or link"


def shape_hits(view: MessageView) -> Iterator[Hit]:
    """How the HTML is built: links away from the sender, little text, no plain-text part."""
    message = view.message
    if not message.html_body or view.is_list_mail:
        return
    # A digest links to many sites; a lure to one or two.
    if view.from_org and 0 < len(view.link_orgs) <= FEW_SITES and not view.identity_orgs & view.link_orgs:
        yield "LINKS_ELSEWHERE", f"sender {view.from_org}, links to {', '.join(sorted(view.link_orgs)[:3])}"
        if len(message.html_text) < SHORT_TEXT:
            yield "HTML_MOSTLY_LINK", f"{len(message.html_text)} characters of text"
    if not message.text_body.strip():
        yield "HTML_ONLY", "no text/plain part"
