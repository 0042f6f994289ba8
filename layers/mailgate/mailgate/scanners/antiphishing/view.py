"""What the anti-phishing tests look at, computed once per message: the sender's domains, the
destinations of the clickable links (unwrapped), and the text a reader sees."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from mailgate.message.limits import HEURISTIC_TEXT_LIMIT
from mailgate.message.model import Message
from mailgate.scanners.links.domains import is_ip_literal, registered_domain
from mailgate.scanners.links.scanner import Link, links_of

TEXT_LIMIT = 6000  # characters of visible text searched for lures and brands: the opening matters
_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0]")
_SPACES = re.compile(r"\s+")
_VALID_DOMAIN = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$")
LIST_HEADERS = ("list-post", "x-mailman-version", "list-help", "mailing-list", "x-ml-name", "x-loop")


def clean(text: str) -> str:
    """Invisible characters dropped, compatibility forms folded, whitespace collapsed."""
    text = _INVISIBLE.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower().rstrip(".") if "@" in address else ""


@dataclass(frozen=True)
class MessageView:
    message: Message
    accepted: tuple[str, ...]

    @cached_property
    def from_name(self) -> str:
        """The display name; a From holding only words ("Microsoft") is all name."""
        entries = self.message.from_addresses
        if not entries:
            return ""
        name, address = entries[0]
        return (name or ("" if "@" in address else address))[:HEURISTIC_TEXT_LIMIT]

    @cached_property
    def from_address(self) -> str:
        """The first From entry that is an address at all (malformed fields hide it later)."""
        addresses = [a.lower() for _, a in self.message.from_addresses]
        return next((a for a in addresses if "@" in a), addresses[0] if addresses else "")

    @cached_property
    def from_valid(self) -> bool:
        entries = self.message.from_addresses
        return bool(entries) and _VALID_DOMAIN.match(domain_of(entries[0][1])) is not None

    @cached_property
    def from_host(self) -> str:
        return domain_of(self.from_address)

    @cached_property
    def from_org(self) -> str:
        return registered_domain(self.from_host) if "." in self.from_host else self.from_host

    @cached_property
    def reply_orgs(self) -> frozenset[str]:
        hosts = (domain_of(address) for _, address in self.message.reply_to)
        return frozenset(registered_domain(h) for h in hosts if "." in h)

    @cached_property
    def identity_orgs(self) -> frozenset[str]:
        """Domains that speak for the sender: From, Sender and Reply-To (publishers use all three)."""
        sender = domain_of(self.message.header("sender") or "")
        extra = {registered_domain(sender)} if "." in sender else set()
        return frozenset({self.from_org, *self.reply_orgs, *extra} - {""})

    @cached_property
    def recipients(self) -> frozenset[str]:
        return frozenset(a.lower() for _, a in (*self.message.to, *self.message.cc))

    @cached_property
    def links(self) -> tuple[Link, ...]:
        return tuple(links_of(self.message))

    @cached_property
    def clickable(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.clickable and link.host)

    @cached_property
    def link_orgs(self) -> frozenset[str]:
        return frozenset(registered_domain(link.host) for link in self.clickable
                         if link.host and not is_ip_literal(link.host))

    @cached_property
    def href_orgs(self) -> frozenset[str]:
        """Where the HTML links really go (not URLs merely written out in the text)."""
        return frozenset(registered_domain(link.host) for link in self.clickable
                         if link.host and link.source == "html-href" and not is_ip_literal(link.host))

    @cached_property
    def is_list_mail(self) -> bool:
        """Mailing-list posts: a list's own headers, which senders of phishing rarely forge."""
        names = {name.lower() for name, _ in self.message.headers}
        precedence = (self.message.header("precedence") or "").strip().lower()
        return bool(names & set(LIST_HEADERS)) or ("list-id" in names and precedence in ("list", "bulk"))

    @cached_property
    def subject(self) -> str:
        return clean(self.message.subject[:2 * HEURISTIC_TEXT_LIMIT])[:HEURISTIC_TEXT_LIMIT]

    @cached_property
    def title(self) -> str:
        match = _TITLE.search(self.message.html_body[:20000])
        return clean(match.group(1))[:200] if match else ""

    @cached_property
    def body(self) -> str:
        text = self.message.html_text or self.message.text_body
        return clean(text[:TEXT_LIMIT])

    @cached_property
    def lure_text(self) -> str:
        """Subject, title and opening text, lower case, with words joined by '_' separated."""
        return f"{self.subject}\n{self.title}\n{self.body}".lower().replace("_", " ")

    @cached_property
    def has_bait(self) -> bool:
        """Something to act on: a link, a form, or an attachment a browser would open."""
        return bool(self.clickable) or any(_opens_in_browser(a.filename, a.detected_type)
                                           for a in self.message.attachments)


HTML_LIKE = (".htm", ".html", ".shtml", ".xhtml", ".svg", ".mht", ".mhtml", ".pdf")


def _opens_in_browser(filename: str | None, detected: str | None) -> bool:
    name = (filename or "").lower()
    kind = (detected or "").lower()
    return name.endswith(HTML_LIKE) or "html" in kind or "svg" in kind or "pdf" in kind
