"""Mailing lists, forwarders and bulk senders, recognised before any sender-mismatch test.

Two different things look alike in headers. A *discussion list* (Mailman, Sympa, Google Groups:
List-Id with List-Post, replies threading) re-sends its members' mail under its own envelope, so
From and the envelope sender differ by design; SpamAssassin's worst false positives come from
punishing that. A *mass mailing* (newsletter, marketing, notification blast) comes from a bulk
sender: List-Unsubscribe without a List-Post, Precedence: bulk, a Feedback-ID, an ESP's headers.
The first is ordinary mail; the second is the `mass_mailing` verdict when nothing says spam.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailgate.message.model import Message

# Headers that only a list server or a forwarder adds (RFC 2369/2919, Mailman, ARC, resending).
_LIST_HEADERS = ("list-id", "list-post", "x-mailman-version", "x-beenthere", "mailing-list", "x-mailing-list",
                 "x-loop", "list-help")
_FORWARD_HEADERS = ("arc-seal", "resent-from", "resent-sender", "x-forwarded-to", "x-forwarded-for")
# Headers the big email service providers put on every campaign they send.
ESP_HEADERS: dict[str, str] = {
    "x-mailgun-sid": "Mailgun", "x-mailgun-tag": "Mailgun", "x-sg-eid": "SendGrid", "x-sg-id": "SendGrid",
    "x-entity-id": "SendGrid", "x-mc-user": "Mailchimp", "x-accounttype": "Mailchimp", "x-mandrill-user": "Mandrill",
    "x-campaign": "campaign header", "x-campaignid": "campaign header", "x-ses-outgoing": "Amazon SES",
    "x-sfmc-stack": "Salesforce Marketing Cloud", "x-csa-complaints": "CSA-certified sender (CleverReach, Inxmail...)",
    "x-marketo-id": "Marketo", "x-mailer-recptid": "ESP", "x-pm-message-id": "Postmark",
    "x-mailjet-campaign": "Mailjet", "x-rpcampaign": "newsletter2go/Brevo", "x-listunsubscribe": "ESP",
    "x-job": "ESP", "x-emarsys-identify": "Emarsys", "x-kmail-account": "Klaviyo", "x-kmail-relay": "Klaviyo",
    "x-hs-cid": "HubSpot", "x-sib-id": "Brevo/Sendinblue", "x-mailin-eid": "Brevo/Sendinblue",
    "x-phplist-version": "phpList", "x-msfbl": "SparkPost", "x-ulpe": "Optimizely/Episerver",
    "x-bulkmail": "bulk mailer",
}
_BULK_MAILERS = re.compile(r"\b(mailchimp|sendgrid|lyris|listmanager|constant ?contact|exacttarget|"
                           r"campaign ?monitor|sendinblue|brevo|mailjet|hubspot|marketo|phplist|"
                           r"acymailing|mailpoet|getresponse|aweber|klaviyo|cleverreach|inxmail|mailster|"
                           r"newsletter2go|rapidmail|optimizely)\b", re.I)


@dataclass(frozen=True)
class ListSignals:
    """What the headers say about how the message was distributed, with the header that says it."""

    mailing_list: str | None  # evidence that a list server sent it, or None
    forwarded: str | None  # evidence of forwarding/resending (ARC seal, Resent-*), or None
    bulk: tuple[str, ...]  # each bulk-sender signal seen

    @property
    def relayed(self) -> bool:
        """A list or forwarder re-sent it: From and the envelope sender may rightly differ."""
        return self.mailing_list is not None or self.forwarded is not None

    @property
    def newsletter(self) -> bool:
        """Bulk from a sender, not a discussion list: at least two bulk signals, and no List-Post."""
        if self.mailing_list is not None and "List-Post" in self.mailing_list:
            return False
        return len(self.bulk) >= 2


def _first(message: Message, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = message.header(name)
        if value is not None:
            return f"{_title(name)}: {value.strip()[:120]}"
    return None


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def list_signals(message: Message) -> ListSignals:
    mailing_list = _first(message, _LIST_HEADERS)
    if mailing_list is not None and message.header("list-post") is not None:
        mailing_list += f"; List-Post: {message.header('list-post')!s:.80}"
    forwarded = _first(message, _FORWARD_HEADERS)
    bulk: list[str] = []
    if message.header("list-unsubscribe") is not None:
        bulk.append("List-Unsubscribe")
    if message.header("list-unsubscribe-post") is not None:
        bulk.append("List-Unsubscribe-Post (one-click)")
    precedence = (message.header("precedence") or "").strip().lower()
    if precedence in ("bulk", "junk"):
        bulk.append(f"Precedence: {precedence}")
    if message.header("feedback-id") is not None:
        bulk.append("Feedback-ID")
    present = {name.lower() for name, _ in message.headers}
    bulk.extend(f"{_title(h)} ({esp})" for h, esp in ESP_HEADERS.items() if h in present)
    mailer = message.header("x-mailer") or ""
    if match := _BULK_MAILERS.search(mailer):
        bulk.append(f"X-Mailer: {match.group(0)}")
    return ListSignals(mailing_list, forwarded, tuple(dict.fromkeys(bulk)))
