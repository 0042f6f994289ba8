"""What a decision changes in the delivered copy besides header fields: subject tags, the warning about
an insecure message at the top of the body, and the rule's disclaimer (once per thread)."""

from __future__ import annotations

from mailgate.config import Disclaimer, ModificationSettings
from mailgate.delivery.body_edit import (
    CannotModifyBody,
    Insertion,
    body_text,
    html_from_text,
    insert,
    normalised,
    text_of_html,
)
from mailgate.delivery.subject_tag import tag_subject
from mailgate.rules.decision import Decision


def warning_insertion(settings: ModificationSettings) -> Insertion:
    return Insertion(settings.warning_text, settings.warning_html or html_from_text(settings.warning_text), "top")


def disclaimer_insertion(disclaimer: Disclaimer) -> Insertion:
    return Insertion(disclaimer.text, disclaimer.html or html_from_text(disclaimer.text), disclaimer.position)


def has_disclaimer(raw: bytes, disclaimer: Disclaimer) -> bool:
    """Once per thread: a reply quoting our disclaimer (in text or HTML) does not get a second one. The
    administrator's HTML need not say what the text says, so either form found counts."""
    body = normalised(body_text(raw))
    forms = (normalised(disclaimer.text), normalised(text_of_html(disclaimer.html)))
    return any(form and form in body for form in forms)


def modify(raw: bytes, decision: Decision, settings: ModificationSettings) -> tuple[bytes, list[str]]:
    """The modified message, and one sentence per change that could not be made (the rest are made)."""
    problems: list[str] = []
    data = tag_subject(raw, decision.subject_tags)
    if decision.insecure_warning:
        try:
            data = insert(data, warning_insertion(settings))
        except CannotModifyBody as exc:
            problems.append(f"insecure-message warning not added: {exc}")
    if decision.disclaimer:
        disclaimer = settings.disclaimer(decision.disclaimer)
        if disclaimer is None:
            problems.append(f"disclaimer {decision.disclaimer!r} not added: it is no longer configured")
        elif not has_disclaimer(data, disclaimer):
            try:
                data = insert(data, disclaimer_insertion(disclaimer))
            except CannotModifyBody as exc:
                problems.append(f"disclaimer {decision.disclaimer!r} not added: {exc}")
    return data, problems
