"""Message → the classifier's features: words, word pairs, selected headers, URL hosts, MIME shape.

Only what the sender controls is tokenised. Relay headers (Received, Delivered-To), the receiving
site's own annotations (X-Spam-*, X-Barracuda-*, X-Virus-*, Thunderbird's X-Mozilla-*…), dates and
recipient addresses are left out on purpose: they describe where a corpus was collected and when,
not whether the mail is spam, and a model that learns them fails on anyone else's mail.
Every feature is a short string with a prefix naming where it came from, so the evidence a verdict
shows ("s:free", "u:example.test", "mime:html-only") reads by itself.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

from mailgate.message.limits import HEURISTIC_TEXT_LIMIT
from mailgate.message.model import Message

MAX_BODY_CHARS = 20_000  # the first 20 kB of visible text decide; longer mail costs no more
MAX_WORDS = 2_500
MIN_WORD, MAX_WORD = 2, 24

_WORD = re.compile(r"[^\W_]+(?:['\u2019.][^\W_]+)*|[$€£¥]+|!{1,3}", re.UNICODE)
_DIGITS = re.compile(r"\d")
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]{0,9})\b")
# Tags a receiving filter puts in front of the subject: not the sender's words.
_SUBJECT_TAG = re.compile(r"^\s*(?:(?:\[[^\]]{0,40}spam[^\]]{0,40}\]|\*+\s*spam\s*\*+|\{spam\??\})\s*)+", re.I)
_HTML_TAGS = frozenset({"font", "table", "img", "center", "b", "a", "form", "input", "script", "iframe",
                        "map", "area", "style", "div", "span", "br", "p", "td", "hr", "u", "i", "strong"})
# Headers whose presence is the sender's (or the list server's) doing, never the receiver's.
PRESENCE_HEADERS = ("list-id", "list-post", "list-unsubscribe", "list-unsubscribe-post", "precedence",
                    "in-reply-to", "references", "x-mailer", "user-agent", "x-priority",
                    "x-msmail-priority", "importance", "organization", "mime-version", "reply-to", "cc",
                    "sender", "errors-to", "x-mimeole", "content-disposition", "feedback-id",
                    "dkim-signature", "thread-index", "x-mailing-list", "mailing-list", "resent-from")
_MAILER_HEADERS = ("x-mailer", "user-agent")


def _shape(word: str) -> str:
    """Numbers become their shape (d, dd, d.dd…): a price or a year says more than its value."""
    return _DIGITS.sub("d", word) if any(ch.isdigit() for ch in word) else word


def words(text: str, limit: int = MAX_WORDS) -> list[str]:
    out: list[str] = []
    for match in _WORD.finditer(text[:MAX_BODY_CHARS]):
        word = match.group(0)
        if len(word) > MAX_WORD:
            word = "long:" + str(min(len(word) // 10, 9))
        elif len(word) < MIN_WORD and not word.startswith(("$", "€", "£", "¥", "!")):
            continue
        else:
            word = _shape(word.lower())
        out.append(word)
        if len(out) >= limit:
            break
    return out


def with_pairs(prefix: str, sequence: list[str]) -> list[str]:
    """Each word, and each adjacent pair (the classifier's phrases)."""
    features = [prefix + w for w in sequence]
    features.extend(f"{prefix}{a}_{b}" for a, b in itertools.pairwise(sequence))
    return features


def clean_subject(subject: str) -> str:
    """The subject without tags, bounded for the patterns that read it (see HEURISTIC_TEXT_LIMIT)."""
    return _SUBJECT_TAG.sub("", subject[:HEURISTIC_TEXT_LIMIT])


@cache
def registrable(host: str) -> str:
    from mailgate.scanners.authentication.dmarc import organizational_domain  # noqa: PLC0415

    return organizational_domain(host)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower().rstrip(".>") if "@" in address else ""


def header_features(message: Message) -> list[str]:
    features: list[str] = []
    present = {name.lower() for name, _ in message.headers}
    features.extend("h:" + name for name in PRESENCE_HEADERS if name in present)
    features.extend(with_pairs("s:", words(clean_subject(message.subject), 40)))
    for name, address in message.from_addresses[:1]:
        features.extend("fn:" + w for w in words(name, 10))
        domain = domain_of(address)
        if domain:
            features.append("fd:" + registrable(domain))
        local = address.partition("@")[0]
        features.append("fl:" + ("digits" if any(c.isdigit() for c in local) else "alpha"))
    for header in _MAILER_HEADERS:
        value = message.header(header)
        if value:
            features.extend("xm:" + w for w in words(value, 3)[:2])
    content_type = (message.header("content-type") or "text/plain").lower()
    features.append("ct:" + content_type.partition(";")[0].strip()[:40])
    charset = re.search(r'charset\s*=\s*"?([\w.-]+)', content_type)
    if charset:
        features.append("cs:" + charset.group(1)[:20])
    encoding = (message.header("content-transfer-encoding") or "").strip().lower()
    if encoding:
        features.append("cte:" + encoding[:20])
    recipients = len(message.to) + len(message.cc)
    features.append("rcpt:" + ("0" if recipients == 0 else "1" if recipients == 1 else "few" if recipients < 5
                                 else "many"))
    return features


def structure_features(message: Message) -> list[str]:
    features = [f"parts:{min(message.parts_count, 6)}"]
    has_text, has_html = bool(message.text_body.strip()), bool(message.html_body.strip())
    features.append("mime:" + ("text+html" if has_text and has_html else "html-only" if has_html
                               else "text-only" if has_text else "no-text"))
    for attachment in message.attachments[:10]:
        features.append("att:" + (attachment.detected_type or attachment.declared_type or "?")[:40])
        if attachment.is_inline:
            features.append("att:inline")
    if has_html:
        tags = {t.lower() for t in _TAG.findall(message.html_body[:MAX_BODY_CHARS * 2])}
        features.extend("tag:" + t for t in sorted(tags & _HTML_TAGS))
        visible = len(message.html_text.strip())
        features.append("htmltext:" + ("none" if visible == 0 else "short" if visible < 200 else "long"))
    features.extend("defect:" + d.split(":")[0][:30] for d in message.defects[:5])
    return features


def url_features(message: Message) -> list[str]:
    features: list[str] = []
    hosts: set[str] = set()
    for url in message.urls[:200]:
        host = url.host_ascii or url.host
        if not host:
            continue
        hosts.add(host)
    for host in sorted(hosts)[:50]:
        if host.replace(".", "").isdigit() or ":" in host:
            features.append("u:ip-literal")
            continue
        domain = registrable(host)
        features.append("u:" + domain)
        features.append("utld:" + domain.rpartition(".")[2])
    count = len(message.urls)
    features.append("urls:" + ("0" if count == 0 else "1" if count == 1 else "few" if count < 6 else "many"))
    return features


_TINY_WIDTH = re.compile(r"\bwidth\s*(?:=\s*[\"']?[01](?:px)?(?:[\"'\s/]|$)|:\s*[01]px)", re.I)
MAX_IMAGE_TAGS = 200  # a tracking pixel is among the first images; a page of 20,000 <img costs no more
_UNSUBSCRIBE = re.compile(r"unsubscribe|abmelden|abbestellen|d[ée]sinscri|darse de baja|opt[ -]out", re.I)


def _brand(domain: str) -> str:
    """The label before the public suffix: `lyftmail.com` → `lyftmail`."""
    return registrable(domain).partition(".")[0]


def _same_brand(a: str, b: str) -> bool:
    """Sender and link belong together: one registrable domain, or one brand name inside the other
    (lyftmail.com → lyft.com, steampowered.com → steamcommunity.com is not, store.steampowered.com is)."""
    if a == b:
        return True
    first, second = _brand(a), _brand(b)
    short, long = sorted((first, second), key=len)
    return len(short) >= 4 and short in long


def _has_tiny_image(html: str) -> bool:
    """An <img> 0 or 1 pixel wide: each tag is cut at its `>` (at most 400 characters) by plain string
    search, so hostile HTML costs linear time, never a regular expression's backtracking."""
    lowered = html.lower()
    start = lowered.find("<img")
    for _ in range(MAX_IMAGE_TAGS):
        if start < 0:
            return False
        end = lowered.find(">", start, start + 400)
        tag = lowered[start + 4:end if end >= 0 else start + 400]
        if _TINY_WIDTH.search(tag):
            return True
        start = lowered.find("<img", start + 4)
    return False


def consistency_features(message: Message) -> list[str]:
    """How the sender, its links and the HTML fit together: legitimate commercial mail links to its
    own brand and says how to unsubscribe; spam and phishing link elsewhere. Independent of words."""
    features: list[str] = []
    sender = ""
    for _, address in message.from_addresses[:1]:
        sender = registrable(domain_of(address)) if domain_of(address) else ""
    hosts = {registrable(h) for u in message.urls[:200] if (h := u.host_ascii or u.host)
             and not h.replace(".", "").isdigit() and ":" not in h}
    if not hosts:
        features.append("ldom:nolinks")
    elif not sender:
        features.append("ldom:nosender")
    else:
        share = sum(1 for h in hosts if _same_brand(sender, h)) / len(hosts)
        features.append("ldom:" + ("none" if share == 0 else "some" if share < 0.5 else "most" if share < 1
                                   else "all"))
    if _has_tiny_image(message.html_body[:MAX_BODY_CHARS * 4]):
        features.append("px:tiny-image")
    if _UNSUBSCRIBE.search(body_text(message)[-3000:]):
        features.append("unsub:text")
    return features


def body_text(message: Message) -> str:
    """What the reader sees: the plain text, or the HTML's visible text when there is no plain text."""
    text = message.text_body if message.text_body.strip() else message.html_text
    return text[:MAX_BODY_CHARS]


# Word features come in blocks (the body, the subject, the sender's display name); the prefixes below
# each name one fact about headers, structure, links or the sender.
_TEXT_PREFIXES = {"s": "subject", "fn": "name"}
STRUCTURAL_PREFIXES = frozenset({"h", "ct", "cs", "cte", "rcpt", "parts", "mime", "att", "tag", "htmltext",
                                 "defect", "u", "utld", "urls", "fl", "fd", "xm", "ldom", "px", "unsub"})


def feature_block(feature: str) -> str | None:
    """The text block a word feature belongs to, or None for a structural feature."""
    prefix, sep, _ = feature.partition(":")
    if not sep:
        return "body"
    if prefix in STRUCTURAL_PREFIXES:
        return None
    return _TEXT_PREFIXES.get(prefix, "body")  # a long word (long:N) or a pair holding one


def feature_values(features: list[str], text_power: float, text_floor: float = 1.0) -> list[tuple[str, float]]:
    """Each feature with its value: 1 for a structural fact; for each word of a block of n words,
    1 up to `text_floor` words and (n / text_floor)^-power beyond.

    Without it a long message sums hundreds of faint word weights into near certainty, and a receipt of
    2,000 words full of "your order" reads as 99 % spam. Scaling a long block's words down bounds what
    words alone can say, the way a Bayes filter that combines only its most telling tokens does, while
    a short pitch keeps its full weight and headers, structure and links always do.
    """
    counts: dict[str | None, int] = {}
    blocks = [feature_block(f) for f in features]
    for block in blocks:
        counts[block] = counts.get(block, 0) + 1
    return [(f, 1.0 if block is None else (max(counts[block], text_floor) / text_floor) ** -text_power)
            for f, block in zip(features, blocks, strict=True)]


def features(message: Message) -> list[str]:
    """Every feature of one message, deduplicated, in first-seen order (the classifier is binary)."""
    out = with_pairs("", words(body_text(message)))
    out += header_features(message)
    out += structure_features(message)
    out += url_features(message)
    out += consistency_features(message)
    return list(dict.fromkeys(out))
