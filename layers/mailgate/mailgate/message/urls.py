"""URLs as a browser would follow them: found in text and HTML, normalised, hosts in both the
Unicode and the IDNA form. Normalisation follows browsers where phishing exploits differences:
backslashes are slashes, tabs and newlines inside a URL vanish, percent-escapes in hosts decode.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

import idna

from mailgate.message.defects import DefectKind
from mailgate.message.model import Url
from mailgate.message.state import ParseState

_URL_TAIL = re.compile(r"[^\s<>\"'`\x00-\x1f\x7f]+")
_NOT_BEFORE_WWW = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.@/:%-")
_AUTHORITY_END = re.compile(r"[/?#]")
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_TRAILING = frozenset(".,;:!?'\"*]}>")
_DROPPED = re.compile(r"[\t\r\n]")
_SCHEMES = frozenset({"http", "https", "ftp"})
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_HOST_MAX = 1024
CANDIDATES_PER_URL = 10
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))  # browsers strip these around a URL


def find_in_text(text: str, limit: int = 1_000_000, max_length: int = 8192) -> tuple[list[str], bool]:
    """Plain URLs (http, https, ftp) and www. hosts, without the punctuation that follows them:
    (candidates, whether every anchor was examined within `limit`).

    Anchors ("://", "www.") are found with str.find: a regex that could start anywhere costs
    ~20 us on an ordinary body, more than the rest of the parse. Every anchor counts against
    `limit`, valid or not, so "://" repeated millions of times costs nothing.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lowercase to two characters: keep positions
        lowered = text.translate(_ASCII_LOWER)
    found: list[tuple[int, str]] = []
    examined = 0
    position = lowered.find("://")
    while position >= 0:
        examined += 1
        if examined > limit:
            break
        start = _scheme_start(lowered, position)
        end = position + 3
        if start >= 0:
            end = _url_end(text, end)
            found.append((start, text[start:min(end, start + max_length)]))
        position = lowered.find("://", end)
    position = lowered.find("www.")
    while position >= 0 and examined <= limit:
        examined += 1
        end = position + 4
        if position == 0 or lowered[position - 1] not in _NOT_BEFORE_WWW:
            end = _url_end(text, end)
            found.append((position, text[position:min(end, position + max_length)]))
        position = lowered.find("www.", end)
    found.sort()
    return [url for url in (_trim(candidate) for _, candidate in found) if len(url) > 7], examined <= limit


def _scheme_start(lowered: str, colon: int) -> int:
    for scheme in ("https", "http", "ftp"):
        start = colon - len(scheme)
        if start >= 0 and lowered.startswith(scheme, start):
            before = lowered[start - 1] if start else " "
            return -1 if before.isalnum() or before == "_" else start
    return -1


def _url_end(text: str, start: int) -> int:
    match = _URL_TAIL.match(text, start)
    return match.end() if match else start


def _trim(candidate: str) -> str:
    while candidate:
        last = candidate[-1]
        if last in _TRAILING or (last == ")" and candidate.count("(") < candidate.count(")")):
            candidate = candidate[:-1]
        else:
            break
    return candidate


def normalise(target: str, max_length: int = 8192) -> tuple[str, str | None, str | None] | None:
    """(url, host, host_ascii) for a web URL; None for other schemes and relative references."""
    value = _DROPPED.sub("", target[:max_length * 2].strip(_C0_AND_SPACE))
    if value.startswith("//"):
        value = "http:" + value
    elif value[:4].lower() == "www.":
        value = "http://" + value
    scheme, colon, rest = value.partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in _SCHEMES:
        return None
    # Browsers read "http:\\host", "http:/host" and "http:host" all as "http://host".
    rest = rest.replace("\\", "/").lstrip("/")
    end = _AUTHORITY_END.search(rest)
    authority, tail = (rest[:end.start()], rest[end.start():]) if end else (rest, "")
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        hostname = hostport[1:hostport.find("]")] if "]" in hostport else hostport[1:]
    else:
        hostname = hostport.partition(":")[0]
    host, host_ascii = normalise_host(hostname) if hostname else (None, None)
    url = f"{scheme}://{userinfo}{at}{hostport.lower()}{tail}"[:max_length]
    return url, host, host_ascii


@lru_cache(maxsize=1024)
def normalise_host(hostname: str) -> tuple[str | None, str | None]:
    """(Unicode form, IDNA ASCII form), lowercased, trailing dot dropped; never raises."""
    host = unquote(hostname) if "%" in hostname else hostname
    host = host[:_HOST_MAX].translate(_DOTS).rstrip(".").lower()
    if not host:
        return None, None
    if host.isascii():
        return (_to_unicode(host) if "xn--" in host else host), host
    try:  # IDNA 2008 with UTS #46 mapping, non-transitional: what browsers resolve (straße → xn--strae-oqa)
        ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        ascii_host = ".".join(_label_to_ascii(label) for label in host.split("."))
    return _to_unicode(ascii_host), ascii_host.lower()


def _label_to_ascii(label: str) -> str:
    if label.isascii():
        return label
    try:
        return "xn--" + label.encode("punycode").decode("ascii")
    except (UnicodeError, ValueError):
        return label


def _to_unicode(ascii_host: str) -> str:
    return ".".join(_label_to_unicode(label) for label in ascii_host.split("."))


def _label_to_unicode(label: str) -> str:
    if label[:4].lower() != "xn--" or len(label) > 63:
        return label
    try:
        return label[4:].encode("ascii").decode("punycode").lower()
    except (UnicodeError, ValueError):
        return label


class UrlCollector:
    """Collects URLs across parts, deduplicated per (url, source), up to `max_urls`.

    Candidates are bounded too (ten per URL kept): a body repeating one URL a million times
    would otherwise cost seconds of normalising duplicates.
    """

    def __init__(self, state: ParseState) -> None:
        self._state = state
        self._seen: set[tuple[str, str]] = set()
        self._urls: list[Url] = []
        self._full = False
        self._candidates_left = CANDIDATES_PER_URL * state.limits.max_urls

    @property
    def candidates_left(self) -> int:
        return self._candidates_left if not self._full else 0

    def add(self, target: str, source: str, anchor_text: str | None, part_path: str,
            skip: frozenset[str] = frozenset()) -> str | None:
        """Collect one URL; returns its normalised form (None if it is not a web URL)."""
        if self._full:
            return None
        if self._candidates_left <= 0:
            self._stop()
            return None
        self._candidates_left -= 1
        normalised = normalise(target, self._state.limits.max_url_length)
        if normalised is None:
            return None
        url, host, host_ascii = normalised
        if (url, source) in self._seen or url in skip:
            return url
        if len(self._urls) >= self._state.limits.max_urls:
            self._full = True
            self._state.cut(DefectKind.URL_CUT,
                            f"URL limit {self._state.limits.max_urls} reached: further URLs not collected")
            return None
        self._seen.add((url, source))
        self._urls.append(Url(url, host, host_ascii, source, anchor_text, part_path))
        return url

    def add_text(self, text: str, source: str, part_path: str, skip: frozenset[str] = frozenset()) -> None:
        """URLs written out in text; `skip` holds URLs the same part already links to."""
        if self._full:
            return
        candidates, complete = find_in_text(text, self._candidates_left, self._state.limits.max_url_length)
        for candidate in candidates:
            self.add(candidate, source, None, part_path, skip)
        if not complete:
            self._stop()

    def _stop(self) -> None:
        if not self._full:
            self._full = True
            self._state.cut(DefectKind.URL_CUT,
                            f"more than {CANDIDATES_PER_URL * self._state.limits.max_urls} URL candidates: "
                            "further URLs not examined")

    def urls(self) -> tuple[Url, ...]:
        return tuple(self._urls)
