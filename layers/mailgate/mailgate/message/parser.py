"""`parse_message`: raw bytes to the immutable Message, once, under hard bounds, never raising.

A lost message is the worst bug a gateway can have, so every stage degrades instead of failing:
a part that cannot be processed becomes a defect, and a bug anywhere still yields a Message
holding the raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailgate.message import htmltext, mime
from mailgate.message.attachments import build_attachment, is_html_attachment
from mailgate.message.decoding import decode_text, decode_transfer, html_meta_charset
from mailgate.message.defects import DefectKind
from mailgate.message.headers import decode_value, parse_addresses
from mailgate.message.limits import DEFAULT_LIMITS, ParseLimits
from mailgate.message.model import Attachment, Message
from mailgate.message.state import ParseState
from mailgate.message.urls import UrlCollector

_BODY_TYPES = frozenset({"text/plain", "text/html"})
# RFC 5322 allows each of these once; repeats are how spoofing hides a second identity.
_SINGLE_FIELDS = ("from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id")


def parse_message(raw: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Message:
    """Parse a raw RFC 5322 message. Never raises for any bytes: see `Message.defects`."""
    try:
        data = raw if type(raw) is bytes else bytes(raw)
    except Exception:  # not even bytes-like: still a Message, so the caller can hold it
        data = b""
    try:
        return _parse(data, limits)
    except Exception as exc:  # a parser bug must not lose the message
        return _unparsed(data, DefectKind.PARSER_FAILURE, f"parser failure: {type(exc).__name__}: {exc}"[:500])


@dataclass
class _Bodies:
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    html_text: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def _parse(raw: bytes, limits: ParseLimits) -> Message:
    if not raw.strip():
        return _unparsed(raw, DefectKind.EMPTY_MESSAGE, "empty message")
    state = ParseState(limits)
    walk = mime.walk(raw, state)
    if not walk.root_fields:
        state.defect(DefectKind.NO_HEADERS, "no header fields: the input does not look like a mail message")
    bodies = _Bodies()
    urls = UrlCollector(state)
    for leaf in walk.leaves:
        try:
            _leaf(leaf, bodies, urls, state)
        except Exception as exc:  # one bad part must not cost the rest
            state.cut(DefectKind.PARSER_FAILURE,
                      f"{mime.label(leaf.path)}: could not be processed ({type(exc).__name__}: {exc})"[:300])
    headers = tuple((name, decode_value(value)) for name, value in walk.root_fields)
    raw_values: dict[str, list[str]] = {}
    for name, value in walk.root_fields:
        raw_values.setdefault(name.lower(), []).append(value)
    first = {name: decode_value(values[0]) for name, values in raw_values.items()
             if name in ("subject", "message-id", "date")}
    _check_single_fields(raw_values, state)
    return Message(
        raw=raw,
        headers=headers,
        subject=first.get("subject", ""),
        message_id=first.get("message-id"),
        date=first.get("date"),
        from_addresses=parse_addresses(raw_values.get("from", [])[:1]),
        reply_to=parse_addresses(raw_values.get("reply-to", [])),
        to=parse_addresses(raw_values.get("to", [])),
        cc=parse_addresses(raw_values.get("cc", [])),
        text_body="\n".join(bodies.text),
        html_body="\n".join(bodies.html),
        html_text="\n".join(bodies.html_text),
        attachments=tuple(bodies.attachments),
        urls=urls.urls(),
        parts_count=walk.parts,
        max_depth_seen=walk.max_depth,
        size=len(raw),
        defects=state.final_defects(),
        incomplete=state.incomplete,
        defect_kinds=dict(state.kinds),
    )


def _leaf(leaf: mime.Entity, bodies: _Bodies, urls: UrlCollector, state: ParseState) -> None:
    content, truncated, problems = _content(leaf, state)
    is_body = leaf.content_type in _BODY_TYPES and leaf.disposition != "attachment" and not leaf.filename
    if not is_body:
        attachment = build_attachment(leaf, content, truncated, problems, state)
        bodies.attachments.append(attachment)
        if is_html_attachment(attachment):
            _html(decode_text(content, leaf.charset)[0], leaf.path, urls, state)
        return
    for problem in problems:
        state.defect(DefectKind.TRANSFER_ENCODING, f"{mime.label(leaf.path)}: {problem}")
    charset = leaf.charset
    if charset is None and leaf.content_type == "text/html":
        charset = html_meta_charset(content)
    text, charset_problem = decode_text(content, charset)
    if charset_problem:
        state.defect(DefectKind.CHARSET, f"{mime.label(leaf.path)}: {charset_problem}")
    if not text:
        return
    if leaf.content_type == "text/plain":
        bodies.text.append(text)
        urls.add_text(text, "text", leaf.path)
    else:
        bodies.html.append(text)
        bodies.html_text.append(_html(text, leaf.path, urls, state))


def _content(leaf: mime.Entity, state: ParseState) -> tuple[bytes, bool, list[str]]:
    """The decoded bytes of a leaf within the decoding bounds; problems belong to the part."""
    allowance = state.decode_allowance()
    body = leaf.body()
    content, problem, truncated = decode_transfer(body, leaf.transfer_encoding, allowance)
    state.decoded_bytes += len(content)
    if truncated:
        state.cut(DefectKind.CONTENT_CUT, f"{mime.label(leaf.path)}: decoded content beyond {allowance} bytes not kept "
                  "(part or total decoding bound)")
    return content, truncated, [problem] if problem else []


def _html(html: str, path: str, urls: UrlCollector, state: ParseState) -> str:
    """Render HTML to visible text and collect its links; returns the text."""
    bound = state.limits.max_html_bytes_for_text
    if len(html) > bound:
        state.cut(DefectKind.HTML_CUT,
                  f"{mime.label(path)}: HTML beyond {bound} characters not rendered nor mined for links")
        html = html[:bound]
    text, links = htmltext.render(html, urls.candidates_left + 1)
    linked = {urls.add(link.target, link.source, link.anchor_text, path) for link in links}
    urls.add_text(text, "html-text", path, frozenset(url for url in linked if url))
    return text


def _check_single_fields(raw_values: dict[str, list[str]], state: ParseState) -> None:
    for name in _SINGLE_FIELDS:
        count = len(raw_values.get(name, ()))
        if count > 1:
            state.defect(DefectKind.DUPLICATE_FIELD, f"{count} {name} header fields where one is allowed")


def _unparsed(raw: bytes, kind: DefectKind, defect: str) -> Message:
    return Message(raw=raw, headers=(), subject="", message_id=None, date=None, from_addresses=(),
                   reply_to=(), to=(), cc=(), text_body="", html_body="", html_text="", attachments=(),
                   urls=(), parts_count=0, max_depth_seen=0, size=len(raw), defects=(defect,),
                   incomplete=kind is not DefectKind.EMPTY_MESSAGE, defect_kinds={kind: 1})
