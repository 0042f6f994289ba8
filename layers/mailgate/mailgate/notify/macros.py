"""The %MACROS% of notification templates: checking a template, and rendering it for one message.

Macro names follow the ones administrators know from other gateways, so their templates move over
unchanged. A template is split into literal text and macros once; values are inserted into that
split, never into the text that is then scanned again, so a value that looks like a macro (an
attacker's subject "%SENDER%") stays literal. Every value is escaped for where it lands: HTML in the
HTML body, one line in the subject.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Iterator

from mailgate.notify.context import NotificationContext, PartInfo
from mailgate.notify.templates import NotificationSettings, Template

DATA_BEGIN = "DATA_BEGIN"
DATA_END = "DATA_END"

MESSAGE_MACROS: dict[str, Callable[[NotificationContext], str]] = {
    "SENDER": lambda c: c.sender,
    "SENDER_IP": lambda c: c.sender_ip or "unknown",
    "ALL_RECIPIENTS": lambda c: ", ".join(c.all_recipients),
    "AFFECTED_RECIPIENTS": lambda c: ", ".join(c.affected_recipients),
    "AFFECTED_RULES": lambda c: ", ".join(c.affected_rules),
    "SUBJECT": lambda c: c.subject,
    "DATE": lambda c: c.date,
    "MESSAGE_ID": lambda c: c.message_id,
    "SMTP_MESSAGE_ID": lambda c: c.smtp_message_id,
    "MESSAGE_ACTION": lambda c: c.action,
    "VERDICTS": lambda c: "; ".join(c.verdicts),
    "BACKUP_ID": lambda c: c.backup_id or "none",
}
PART_MACROS: dict[str, Callable[[PartInfo], str]] = {
    "OBJECT_NAME": lambda p: p.name,
    "OBJECT_SIZE": lambda p: human_size(p.size),
    "STATUS": lambda p: p.status,
}
KNOWN = frozenset({*MESSAGE_MACROS, *PART_MACROS, DATA_BEGIN, DATA_END})

# What looks like a macro. Three characters at least, so URL escapes in a template's links
# ("%C3%A9", "%CE%BB") are not taken for macros; any case, so "%Sender%" is reported, not sent.
_MACRO = re.compile(r"%([A-Za-z][A-Za-z0-9_]{2,40})%")
_SUBJECT_MAX = 255  # a rendered subject longer than this is cut: "%ALL_RECIPIENTS%" can be long
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")  # line breaks of any kind, and controls
FIELDS = ("subject", "body_text", "body_html")

Problem = tuple[str, str]  # (field, message)


def human_size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    for power, unit in ((3, "GB"), (2, "MB"), (1, "KB")):
        if size >= 1024 ** power:
            return f"{size / 1024 ** power:.1f} {unit}"
    return f"{size} bytes"


def _tokens(text: str) -> Iterator[tuple[bool, str]]:
    """(is_macro, text or macro name), in order; the only place template text is scanned."""
    position = 0
    for found in _MACRO.finditer(text):
        if found.start() > position:
            yield False, text[position:found.start()]
        yield True, found.group(1)
        position = found.end()
    if position < len(text):
        yield False, text[position:]


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name.upper(), sorted(KNOWN), n=1, cutoff=0.75)
    hint = f" (did you mean %{close[0]}%?)" if close else ""
    return f"unknown macro %{name}%{hint}"


def _field_problems(field: str, text: str) -> list[Problem]:
    problems: list[Problem] = []
    in_loop = False
    for is_macro, name in _tokens(text):
        if not is_macro:
            continue
        if name not in KNOWN:
            problems.append((field, _unknown(name)))
        elif name == DATA_BEGIN:
            if in_loop:
                problems.append((field, "%DATA_BEGIN% inside a %DATA_BEGIN%…%DATA_END% loop: loops do not nest"))
            in_loop = True
        elif name == DATA_END:
            if not in_loop:
                problems.append((field, "%DATA_END% without a %DATA_BEGIN% before it"))
            in_loop = False
        elif name in PART_MACROS and not in_loop:
            problems.append((field, f"%{name}% describes one part: use it between %DATA_BEGIN% and %DATA_END%"))
    if in_loop:
        problems.append((field, "%DATA_BEGIN% without a %DATA_END% after it"))
    return problems


def validate_template(template: Template) -> list[Problem]:
    """Every problem of a template, each as (field, message); empty when it renders as written."""
    problems: list[Problem] = []
    if "\r" in template.subject or "\n" in template.subject:
        problems.append(("subject", "the subject is one line: remove the line breaks"))
    for field in FIELDS:
        problems += _field_problems(field, getattr(template, field))
    return problems


def notification_problems(settings: NotificationSettings) -> list[Problem]:
    """Every template's problems, each as (path relative to the settings, message): the shape
    `mailgate.settings.validation` reports content filter problems in, so an import says the same."""
    return [(f".templates[{index}].{field}", f"template {template.name!r}: {message}")
            for index, template in enumerate(settings.templates) for field, message in validate_template(template)]


def _one_line(value: str) -> str:
    """Every value is one line wherever it lands: a subject with a line break cannot forge a
    "Bcc:" line in the body, nor a header field in the subject."""
    return " ".join(_CONTROL.sub(" ", value).split())


Escape = Callable[[str], str]


def _render(text: str, context: NotificationContext, escape: Escape, literal: Escape) -> str:
    """`escape` makes a value safe where it lands; `literal` is for the administrator's own text."""
    out: list[str] = []
    loop: list[tuple[bool, str]] | None = None
    for is_macro, name in _tokens(text):
        if loop is not None:
            if is_macro and name == DATA_END:
                out += [_render_part(loop, part, context, escape, literal) for part in context.parts]
                loop = None
            else:
                loop.append((is_macro, name))
        elif is_macro and name == DATA_BEGIN:
            loop = []
        elif is_macro and name == DATA_END:
            continue  # a stray end, reported by validate_template
        else:
            out.append(_one(is_macro, name, context, None, escape, literal))
    if loop is not None:  # never closed (reported by validate_template): the loop runs to the end
        out += [_render_part(loop, part, context, escape, literal) for part in context.parts]
    return "".join(out)


def _one(is_macro: bool, name: str, context: NotificationContext, part: PartInfo | None, escape: Escape,
         literal: Escape) -> str:
    if not is_macro:
        return literal(name)
    if part is not None and name in PART_MACROS:
        return escape(PART_MACROS[name](part))
    if name in MESSAGE_MACROS:
        return escape(MESSAGE_MACROS[name](context))
    return escape(f"%{name}%")  # unknown, or a part macro outside a loop: left as written


def _render_part(body: list[tuple[bool, str]], part: PartInfo, context: NotificationContext, escape: Escape,
                 literal: Escape) -> str:
    return "".join(_one(is_macro, name, context, part, escape, literal) for is_macro, name in body)


def render(template: Template, context: NotificationContext) -> tuple[str, str, str]:
    """(subject, text, html) of `template` for `context`; html is "" when the template has none."""
    subject = _one_line(_render(template.subject, context, _one_line, _as_written))
    if len(subject) > _SUBJECT_MAX:
        subject = subject[:_SUBJECT_MAX - 1].rstrip() + "…"
    text = _render(template.body_text, context, _one_line, _as_written)
    body_html = _render(template.body_html, context, _html, _as_written) if template.body_html else ""
    return subject, text, body_html


def _as_written(text: str) -> str:
    return text


def _html(value: str) -> str:
    return html.escape(_one_line(value), quote=True)
