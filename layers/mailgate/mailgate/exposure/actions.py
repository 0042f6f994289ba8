"""What an administrator can do about an exposure: put the indicator on the link list or the deny list so the next
message carrying it is caught, tell the recipients and the administrators, and see what the Anti-Spam Quarantine
still holds. Each action answers an outcome; one that does not apply to the indicator's kind says why and does
nothing, without failing the others.

The URL list is a link reputation list (config.AntiphishingSettings.link_lists) the gateway owns: a text file in
the mail bucket (`lists/exposure-url-list.txt`) with the verdict `malicious_link`. Adding to it writes the file and
makes an audited settings change that names the list (the first time) and the entry; the change reaches warm scan
functions within the configuration's re-read (30 s), which builds their link scanner again and so reads the list
anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from mailgate.config import GatewayConfig
from mailgate.exposure.fates import Exposed
from mailgate.exposure.indicators import Indicator
from mailgate.notify.application import Notice
from mailgate.notify.compose import compose
from mailgate.notify.context import NotificationContext
from mailgate.notify.templates import Template
from mailgate.settings.audit import AuditEntry
from mailgate.settings.service import Actor, SettingsService, replace_section
from mailgate.settings.validation import as_document

Action = Literal["add_to_url_list", "add_to_deny_list", "notify_recipients", "notify_administrators",
                 "hold_in_flight"]
ACTIONS: tuple[Action, ...] = get_args(Action)
URL_LIST_KEY = "lists/exposure-url-list.txt"
URL_LIST_VERDICT = "malicious_link"
URL_LIST_REFRESH_SECONDS = 60
MAX_NOTIFIED = 500  # recipients told per request
RECIPIENT_TEMPLATE = "exposure_recipient"
_RECIPIENT_BODY = (
    "A message you received through the mail gateway has since been found to be dangerous.\n\n"
    "Subject: %SUBJECT%\nFrom: %SENDER%\nReceived: %DATE%\nGateway message id: %MESSAGE_ID%\n\n%MESSAGE_ACTION%\n\n"
    "Do not open its links or attachments. If you already did, or entered a password after following a link in "
    "it, tell your IT security team now.\n")


@dataclass(frozen=True)
class Outcome:
    action: str
    done: bool
    detail: str
    count: int = 0


@dataclass(frozen=True)
class ActionPorts:
    settings: SettingsService
    config: Callable[[], GatewayConfig]
    read_list: Callable[[], bytes | None]  # the URL list's text; None when it does not exist yet
    write_list: Callable[[bytes], None]
    list_location: str  # s3://<mail bucket>/lists/exposure-url-list.txt
    send: Callable[[str, str, bytes], None]  # the gateway's own mail: send(mail_from, to, data)
    notify_administrators: Callable[[Notice, GatewayConfig], None]
    held: Callable[[], list[dict[str, Any]]] | None = None  # what the Anti-Spam Quarantine holds
    pin: Callable[[str, str], bool] | None = None  # keep a held message (its hold key) in Backup, saying why


def _with_link_list(config: GatewayConfig, location: str) -> GatewayConfig:
    document = as_document(config)["antiphishing"]
    lists = [entry for entry in document.get("link_lists", []) if entry.get("path") != location]
    lists.append({"path": location, "verdict": URL_LIST_VERDICT, "refresh_seconds": URL_LIST_REFRESH_SECONDS})
    return replace_section(config, "antiphishing", {**document, "link_lists": lists})


def add_to_url_list(ports: ActionPorts, indicator: Indicator, actor: Actor) -> Outcome:
    if indicator.kind not in ("url", "domain"):
        return Outcome("add_to_url_list", False, "only a URL or a domain goes on the URL list")
    current = (ports.read_list() or b"").decode("utf-8", "replace")
    entries = {line.split("#", 1)[0].strip() for line in current.splitlines()}
    added = indicator.value not in entries
    if added:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        note = f"  # exposure search, {stamp}, {' '.join(actor.who.split())[:120]}".replace("\n", " ")
        text = current if not current or current.endswith("\n") else current + "\n"
        ports.write_list((text + indicator.value + note + "\n").encode())
    operation = f"{actor.operation}: add_to_url_list {indicator.value}"[:500]
    ports.settings.change(None, lambda c: _with_link_list(c, ports.list_location),
                          Actor(actor.who, actor.subject, operation))
    return Outcome("add_to_url_list", True,
                   f"{indicator.value} {'added to' if added else 'was already on'} the URL list {ports.list_location} "
                   f"(verdict {URL_LIST_VERDICT})", 1 if added else 0)


def add_to_deny_list(ports: ActionPorts, indicator: Indicator, actor: Actor) -> Outcome:
    if indicator.kind not in ("sender", "sender_domain"):
        return Outcome("add_to_deny_list", False, "only a sender address or a sender domain goes on the deny list")
    record = ports.settings.current()
    lists = as_document(record.config)["lists"]
    present = {(e if isinstance(e, str) else str(e.get("value", ""))).strip().lower() for e in lists.get("deny", [])}
    if indicator.value in present:
        return Outcome("add_to_deny_list", True, f"{indicator.value} was already on the deny list")
    updated = {**lists, "deny": [*lists.get("deny", []), indicator.value]}
    ports.settings.change(record.version, lambda c: replace_section(c, "lists", updated),
                          Actor(actor.who, actor.subject, f"{actor.operation}: add_to_deny_list {indicator.value}"))
    return Outcome("add_to_deny_list", True, f"{indicator.value} added to the organisation's deny list", 1)


def _template(config: GatewayConfig) -> Template | None:
    configured = next((t for t in config.notifications.templates if t.name == RECIPIENT_TEMPLATE), None)
    if configured is not None:
        return configured if configured.enabled else None
    return Template(name=RECIPIENT_TEMPLATE, subject="[security] A message you received is dangerous: %SUBJECT%",
                    body_text=_RECIPIENT_BODY, description="To a recipient of a message an exposure search found.")


def notify_recipients(ports: ActionPorts, indicator: Indicator, found: Sequence[Exposed],
                      log: Callable[[Exposed, tuple[str, ...]], None]) -> Outcome:
    config = ports.config()
    template = _template(config)
    if template is None:
        return Outcome("notify_recipients", False, f"the template {RECIPIENT_TEMPLATE} is switched off")
    sender = config.notifications.sender(config.authserv_id)
    told: set[str] = set()
    failed: list[str] = []
    what = f"It carried the {indicator.kind.replace('_', ' ')} {indicator.value[:300]}, now known to be dangerous."
    for item in found:
        sent: list[str] = []
        for to in item.hit.recipients:
            if to.lower() in told or len(told) >= MAX_NOTIFIED or config.route_for(to) is None:
                continue  # a recipient outside the accepted domains (outbound mail) is not ours to tell
            context = NotificationContext(
                sender=item.hit.sender or "<>", sender_ip="", all_recipients=item.hit.recipients,
                affected_recipients=(to,), affected_rules=(), subject=item.hit.subject, date=item.hit.received_at,
                message_id=item.hit.message_id, smtp_message_id="", action=what, verdicts=())
            try:
                ports.send(sender, to, compose(config.notifications, template, context, (to,),
                                               authserv_id=config.authserv_id))
            except Exception as exc:  # one recipient's refusal must not keep the warning from the others
                failed.append(f"{to}: {type(exc).__name__}")
                continue
            told.add(to.lower())
            sent.append(to)
        if sent:
            log(item, tuple(sent))
    detail = f"{len(told)} recipient(s) told" + (f"; not sent to {', '.join(failed[:10])}" if failed else "")
    return Outcome("notify_recipients", not failed, detail, len(told))


def notify_administrators(ports: ActionPorts, indicator: Indicator, found: Sequence[Exposed], who: str) -> Outcome:
    recipients = sorted({r for item in found for r in item.hit.recipients})
    lines = [f"{item.hit.received_at[:19]} {item.hit.message_id} from {item.hit.sender or '<>'} to "
             f"{', '.join(item.hit.recipients[:5])}: {', '.join(sorted({f.state for f in item.fates}))}"
             for item in found[:50]]
    notice = Notice("exposure", "app_exposure",
                    f"Exposure: {len(found)} message(s) carried {indicator.kind.replace('_', ' ')} "
                    f"{indicator.value[:120]}",
                    f"{who} searched the exposure index for the {indicator.kind.replace('_', ' ')} "
                    f"{indicator.value[:500]}. {len(found)} message(s) to {len(recipients)} recipient(s):\n"
                    + "\n".join(lines))
    ports.notify_administrators(notice, ports.config())
    return Outcome("notify_administrators", True, "the administrators were sent the list", len(found))


def hold_in_flight(ports: ActionPorts, found: Iterable[Exposed], indicator: Indicator, actor: Actor) -> Outcome:
    """Pins what the Anti-Spam Quarantine still holds of these messages: when its hold ends, each is kept in Backup
    whatever its re-scan finds (actions/processor.py `pinned_decision`), for an administrator to release what was
    legitimate; one audit entry names them, written first. Mail already delivered cannot be taken back; mail in
    Backup stays there until someone releases it; a message whose re-scan was decided meanwhile is no longer held
    and is not counted."""
    if ports.held is None or ports.pin is None:
        return Outcome("hold_in_flight", False, "this deployment has no Anti-Spam Quarantine")
    wanted = {item.hit.message_id for item in found}
    who = " ".join(actor.who.split())[:120]
    reason = f"held from the exposure search for {indicator.kind} {indicator.value[:300]} by {who}"
    held = [h for h in ports.held() if h.get("message_id") in wanted]
    if held:  # audited first, as a settings change is: a pin nobody can trace is worse than an entry too many
        operation = f"{actor.operation}: hold_in_flight {indicator.kind} {indicator.value[:300]}"[:500]
        version = ports.settings.current().version
        ports.settings.store.record(AuditEntry(
            actor=actor.who, subject=actor.subject, operation=operation, version_before=version,
            version_after=version, changes=tuple({"path": f'$.spam_quarantine.held["{h.get("message_id")}"]',
                                                  "before": "decided by its re-scan", "after": reason}
                                                 for h in held)))
    pinned = [h for h in held if ports.pin(str(h.get("hold_key")), reason)]
    return Outcome("hold_in_flight", True,
                   f"{len(pinned)} message(s) held in the Anti-Spam Quarantine will be kept in Backup when their hold "
                   "ends, whatever their re-scan finds; delivered mail cannot be recalled", len(pinned))


@dataclass(frozen=True)
class ExposurePorts:
    """What the exposure routes need beyond the API's own ports: the index, and what the actions use (None: this
    deployment has no mail bucket for the URL list)."""

    index: Any  # mailgate.exposure.model.ExposureIndex
    actions: ActionPorts | None
