"""HTML reduced to what a reader sees, and the links it carries, with lexbor (selectolax).

Text nodes are joined without separators so tags inside a word ("Vi<b></b>agra") do not split
it; block elements get a line break first so paragraphs do not run together.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

_INVISIBLE_TAGS = ["script", "style", "head", "noscript", "template", "title"]
_BLOCK_START = re.compile(
    r"<(?=/?(?:p|div|br|tr|li|h[1-6]|td|th|table|ul|ol|dl|dd|dt|blockquote|pre|hr|center|section"
    r"|article|header|footer|nav|aside|address|form|fieldset|option)[\s/>])", re.IGNORECASE)
_LINK_SELECTOR = ("a[href], area[href], img[src], iframe[src], frame[src], embed[src], source[src], "
                  "input[src], script[src], form[action], [background], meta[http-equiv]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile(r" ?\n[\s\u00a0]*")
_INVISIBLE_CHARS = re.compile(r"[\u00ad\u034f\u180e\u200b-\u200d\u2060-\u2064\ufeff]")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"\s>]+)", re.IGNORECASE)
ANCHOR_MAX = 500


@dataclass(frozen=True, slots=True)
class Link:
    target: str
    source: str  # "html-href", "html-src", "html-form", "html-refresh"
    anchor_text: str | None


def render(html: str, max_links: int) -> tuple[str, tuple[Link, ...]]:
    """(visible text, up to `max_links` links) of an HTML document; never raises."""
    try:
        tree = LexborHTMLParser(_BLOCK_START.sub("\n<", html))
        links = tuple(_links(tree, max_links))
        tree.strip_tags(_INVISIBLE_TAGS, recursive=True)
        root = tree.root
        text = root.text(deep=True) if root is not None else ""
    except Exception:  # lexbor on hostile markup: fall back to no links, crude text
        return visible(re.sub(r"<[^>]*>", " ", html)), ()
    return visible(text), links


def visible(text: str) -> str:
    """Whitespace collapsed and invisible characters (zero-width, soft hyphen) removed."""
    text = _INVISIBLE_CHARS.sub("", text)
    text = _SPACES.sub(" ", text)
    return _LINE_BREAKS.sub("\n", text).strip()


def _links(tree: LexborHTMLParser, max_links: int) -> list[Link]:
    links: list[Link] = []
    for node in itertools.islice(tree.css(_LINK_SELECTOR), max_links):
        attributes = node.attributes
        tag = node.tag
        if tag in ("a", "area"):
            anchor = visible(node.text(deep=True)).replace("\n", " ")[:ANCHOR_MAX] if tag == "a" else None
            _add(links, attributes.get("href"), "html-href", anchor)
        elif tag == "form":
            _add(links, attributes.get("action"), "html-form", None)
        elif tag == "meta":
            equiv = (attributes.get("http-equiv") or "").lower()
            match = _REFRESH_URL.search(attributes.get("content") or "") if equiv == "refresh" else None
            _add(links, match.group(1) if match else None, "html-refresh", None)
        else:
            _add(links, attributes.get("src"), "html-src", None)
        _add(links, attributes.get("background"), "html-src", None)
    return links


def _add(links: list[Link], target: str | None, source: str, anchor: str | None) -> None:
    if target:
        links.append(Link(target, source, anchor))
