"""Who a rule's "notify" entry means, and which default template tells them.

A rule names "administrator", "sender", "recipients" or addresses (`mailgate.rules.table`); the
rules step turns each into addresses and a template here, so the choice is one table that an
administrator can read, not branches spread over the delivery code.
"""

from __future__ import annotations

from mailgate.notify.context import NotificationContext
from mailgate.notify.templates import NotificationSettings

ADMINISTRATOR = "administrator"
SENDER = "sender"
RECIPIENTS = "recipients"

# (who, action) → template; "deliver" tells senders and recipients nothing (their mail arrived).
_TEMPLATES = {
    (SENDER, "reject"): "sender_message_rejected",
    (SENDER, "delete"): "sender_message_rejected",
    (SENDER, "delete_attachment"): "sender_attachment_removed",
    (RECIPIENTS, "reject"): "recipient_message_held",
    (RECIPIENTS, "delete"): "recipient_message_held",
    (RECIPIENTS, "delete_attachment"): "recipient_attachment_removed",
}
_MALWARE = frozenset({"infected", "malware", "virus"})


def template_name_for(who: str, action: str, verdict_class: str | None) -> str | None:
    """The default template for a notification, or None when there is nothing to tell.

    The administrator and other listed addresses get the administrator's templates, whatever the
    action (a rule may ask to hear about tagged spam that was delivered).
    """
    if who in (SENDER, RECIPIENTS):
        return _TEMPLATES.get((who, action))
    return "admin_virus_found" if (verdict_class or "").lower() in _MALWARE else "admin_message_held"


def addressees(who: str, settings: NotificationSettings, context: NotificationContext) -> tuple[str, ...]:
    """The addresses `who` stands for; empty when there is nobody (the null sender, no administrator).

    The sender is the envelope sender: check `should_notify_sender` before writing to it.
    """
    if who == ADMINISTRATOR:
        return settings.administrator_addresses
    if who == SENDER:
        return () if context.sender in ("", "<>") else (context.sender,)
    if who == RECIPIENTS:
        return context.affected_recipients
    return (who,) if "@" in who else ()
