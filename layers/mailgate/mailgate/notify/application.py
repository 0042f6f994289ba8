"""Application events: mail to the administrators when the gateway itself needs a person.

Two shapes. A *condition* (a directory connection failing, a DLQ not empty) is announced once per change of its
state, never once per check: the caller keeps each condition's last state (`StateStore`, a conditional write, so
of two checkers that see the same change only one announces it) and `transition` says what a change means. An
*event* (a settings import, the Anti-Spam model changed by feedback) is announced each time it happens.

The notice is composed by the rule notifications' composer (`mailgate.notify.compose`) with a template of the
same shape, so the same %MACROS% apply: %SUBJECT% is the notice's summary, %MESSAGE_ACTION% its details, %DATE%
when it was seen, %SENDER% the gateway's name. A template in `notifications.templates` with the notice's name
(`app_directory_failing`, ...) replaces the built-in one; a disabled one sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from mailgate.config import GatewayConfig
from mailgate.notify.compose import compose
from mailgate.notify.context import NotificationContext
from mailgate.notify.templates import Template

State = Literal["ok", "failing"]
Change = Literal["failing", "recovered"]


@dataclass(frozen=True)
class Notice:
    """One thing to tell the administrators. `kind` is an ApplicationKind (config.py); `name` picks the template."""

    kind: str
    name: str  # the template's name: app_<kind>_<change> or app_<kind>
    summary: str  # one line: "Directory connection Corp LDAP is failing"
    details: str  # what was seen, for a person to act on
    at: str = ""  # ISO time; empty: now


def transition(previous: str | None, current: State) -> Change | None:
    """What a condition's new state means: None when nothing is to be announced.

    The first observation announces only a failure (a working connection that was never failing has nothing
    to recover from); a repeated state announces nothing; each change of a flapping condition is announced.
    """
    if previous == current or (previous is None and current == "ok"):
        return None
    return "failing" if current == "failing" else "recovered"


class StateStore(Protocol):
    def swap(self, key: str, state: State, at: str) -> tuple[bool, str | None]:
        """Record `state` for `key` unless it is already recorded: (changed, previous state or None).

        Atomic: of two callers recording one change, exactly one gets changed=True."""
        ...


def observe(store: StateStore, key: str, state: State) -> Change | None:
    """Records a condition's state; the change to announce, at most once per change."""
    changed, previous = store.swap(key, state, datetime.now(UTC).isoformat())
    return transition(previous, state) if changed else None


def directory_notice(connection_name: str, change: Change, detail: str) -> Notice:
    name = connection_name.replace("\n", " ")[:200]
    if change == "failing":
        return Notice("directory", "app_directory_failing", f"Directory connection {name} is failing",
                      f"The synchronisation of directory connection {name} failed: {detail}\n"
                      "The gateway keeps using the last directory data it read. A mail follows when it works "
                      "again.")
    return Notice("directory", "app_directory_recovered", f"Directory connection {name} works again",
                  f"The synchronisation of directory connection {name} succeeded again. {detail}".strip())


def settings_import_notice(who: str, version: int) -> Notice:
    return Notice("settings_import", "app_settings_import", "All settings were replaced by an import",
                  f"{who.replace(chr(10), ' ')[:200]} imported a settings document (POST /settings/import); the "
                  f"settings are now at version {version}. The audit log (GET /audit) lists every changed value.")


def antispam_model_notice(who: str, label: str, previous: str | None, source: str, version: int) -> Notice:
    corrected = f" (it was learned as {previous} before)" if previous else ""
    return Notice("antispam_model", "app_antispam_model", "The Anti-Spam model was changed by feedback",
                  f"{who.replace(chr(10), ' ')[:200]} marked a message as {label}{corrected}, from "
                  f"{source.replace(chr(10), ' ')[:200]}; the organisation's model is now at version {version}. "
                  "GET /antispam/model shows what it has learned.")


DLQ_NAMES = {"scan_dlq": "the scan queue's dead-letter queue", "rules_dlq": "the rules queue's dead-letter queue"}


def dead_letter_states(depths: Mapping[str, Any]) -> list[tuple[str, State, int]]:
    """Each dead-letter queue's condition (key, state, messages in it); a queue that could not be read is left
    out: it neither fails nor recovers."""
    found: list[tuple[str, State, int]] = []
    for queue in DLQ_NAMES:
        depth = depths.get(queue)
        if depth is None:
            continue
        count = int(depth.visible) + int(depth.in_flight)
        found.append((f"dead_letters#{queue}", "failing" if count else "ok", count))
    return found


def dead_letter_notice(key: str, change: Change, count: int) -> Notice:
    queue = key.partition("#")[2]
    name = DLQ_NAMES.get(queue, queue)
    if change == "failing":
        return Notice("dead_letters", "app_dead_letters_failing", f"Messages wait in {name}",
                      f"{count} message(s) are in {name} ({queue}): the gateway gave up on them after its "
                      "retries. Look at them (GET /stats shows the depth) and redrive or remove them. A mail "
                      "follows when the queue is empty again.")
    return Notice("dead_letters", "app_dead_letters_recovered", f"{name[0].upper()}{name[1:]} is empty again",
                  f"No message waits in {name} ({queue}) any more.")


def signature_state(signatures: Mapping[str, Any] | None) -> State | None:
    """The ClamAV signatures' condition from what the scan function last published (as GET /health reads it);
    None when nothing was published: that decides nothing."""
    if not signatures:
        return None
    return "failing" if signatures.get("stale") else "ok"


def signature_notice(change: Change, sentence: str) -> Notice:
    if change == "failing":
        return Notice("signatures_outdated", "app_signatures_outdated_failing",
                      "ClamAV signatures are older than allowed",
                      f"{sentence}. Mail is still scanned with the old signatures. A mail follows when they are "
                      "fresh again.")
    return Notice("signatures_outdated", "app_signatures_outdated_recovered", "ClamAV signatures are fresh again",
                  "The ClamAV signatures the scan function uses are within the allowed age again.")


def backup_size_state(size: int, max_bytes: int, warn_at: float) -> State:
    return "failing" if size >= warn_at * max_bytes else "ok"


def backup_size_notice(change: Change, size: int, max_bytes: int) -> Notice:
    held = f"Backup holds {size / 2**20:.0f} MB of its {max_bytes / 2**20:.0f} MB ({100 * size / max_bytes:.0f} %)"
    if change == "failing":
        return Notice("backup_size", "app_backup_size_failing", "Backup is near its size limit",
                      f"{held}. Beyond the limit the oldest entries are removed: raise backup_max_megabytes "
                      "(PATCH /settings/general) or release and delete what is not needed.")
    return Notice("backup_size", "app_backup_size_recovered", "Backup is below its size warning again", f"{held}.")


def delivery_states(documents: Mapping[str, Mapping[str, Any] | None], minutes: int,
                    now: datetime | None = None) -> list[tuple[str, State, Mapping[str, Any]]]:
    """Each route's condition from what the rules function noted (mailgate.delivery.route_watch): failing once
    it has failed for `minutes` without a delivery in between; a route nothing was noted about is left out."""
    from mailgate.delivery.route_watch import failing_for  # noqa: PLC0415

    when = now or datetime.now(UTC)
    found: list[tuple[str, State, Mapping[str, Any]]] = []
    for label, document in documents.items():
        if not document:
            continue
        lasting = failing_for(dict(document), when)
        state: State = "failing" if lasting is not None and lasting.total_seconds() >= 60 * minutes else "ok"
        found.append((f"delivery_failing#{label[:500]}", state, document))
    return found


def delivery_notice(change: Change, label: str, domains: list[str], document: Mapping[str, Any]) -> Notice:
    where = " ".join(f"{', '.join(sorted(domains)[:20]) or 'mail'} ({label})".split())[:400]
    if change == "failing":
        error = " ".join(str(document.get("error") or "no reason given").split())[:300]
        return Notice("delivery_failing", "app_delivery_failing_failing", f"Delivery to {where} is failing",
                      f"Every hand-over to {where} has failed since {document.get('failing_since')}: {error}\n"
                      "The mail waits in the queue and is retried; what is still undelivered after the last retry "
                      "is kept in Backup (held by delivery failure) and can be released from there. A mail "
                      "follows when delivery works again.")
    return Notice("delivery_failing", "app_delivery_failing_recovered", f"Delivery to {where} works again",
                  f"Mail was delivered to {where} again at {document.get('at')}.")


def outbound_limit_notice(sender: str, sentence: str, held: bool) -> Notice:
    """A sender of the organisation past an outbound limit: once per sender, limit and hour."""
    who = " ".join(sender.split())[:200]
    then = ("Their outgoing mail is kept in Backup for the rest of the hour (outbound.hold_over_limit): release "
            "what was legitimate, and check the account (a changed password, a mailbox rule forwarding mail)."
            if held else "Their mail is still sent (outbound.hold_over_limit is off).")
    return Notice("outbound_limit", "app_outbound_limit", f"{who} passed an outbound limit",
                  f"{who} sent {sentence}. This is how a compromised account looks. {then}")


_BODY = ("%SUBJECT%\n\n%MESSAGE_ACTION%\n\nSeen: %DATE%\nGateway: %SENDER%\n\n"
         "These mails are sent by the gateway about itself; switch a kind off in the settings "
         "(application_notifications).\n")


def _builtin(name: str) -> Template:
    return Template(name=name, subject="[mailgate] %SUBJECT%", body_text=_BODY,
                    description="To the administrators: an application event of the gateway.")


def template_for(config: GatewayConfig, notice: Notice) -> Template | None:
    """The administrator's template of that name when there is one (None if switched off), else the built-in."""
    configured = next((t for t in config.notifications.templates if t.name == notice.name), None)
    if configured is not None:
        return configured if configured.enabled else None
    return _builtin(notice.name)


def recipients(config: GatewayConfig) -> tuple[str, ...]:
    settings = config.application_notifications
    return settings.recipients or config.notifications.administrator_addresses


def compose_notice(config: GatewayConfig, notice: Notice, to: str, now: datetime | None = None) -> bytes | None:
    """The notice as a message to `to`; None when its kind or its template is switched off."""
    template = template_for(config, notice)
    if template is None or not config.application_notifications.sends(notice.kind):
        return None
    when = now or datetime.now(UTC)
    context = NotificationContext(
        sender=config.authserv_id, sender_ip="", all_recipients=(to,), affected_recipients=(to,),
        affected_rules=(), subject=notice.summary, date=notice.at or when.isoformat(timespec="seconds"),
        message_id=f"app-{notice.name}", smtp_message_id="", action=notice.details, verdicts=())
    return compose(config.notifications, template, context, (to,), authserv_id=config.authserv_id, now=when)


@dataclass
class Announced:
    sent: list[str]
    failed: list[str]


def announce(config: GatewayConfig, notice: Notice, send: Callable[[str, str, bytes], None],
             publish: Callable[[str, str, str], None] | None = None, default_topic: str = "") -> Announced:
    """Mails the notice to each administrator (send(mail_from, to, data)), and publishes it to the SNS topic
    when one is configured, else to `default_topic` (the deployment's own; publish(topic, subject, text)). A
    recipient that fails does not stop the others."""
    done = Announced([], [])
    settings = config.application_notifications
    if not settings.sends(notice.kind):
        return done
    sender = config.notifications.sender(config.authserv_id)
    for to in recipients(config):
        data = compose_notice(config, notice, to)
        if data is None:
            return done
        try:
            send(sender, to, data)
            done.sent.append(to)
        except Exception as exc:  # one administrator's refusal must not hide the notice from the others
            done.failed.append(f"{to}: {type(exc).__name__}: {exc}")
    topic = settings.sns_topic_arn or default_topic
    if topic and publish is not None and template_for(config, notice) is not None:
        try:
            text = f"{notice.summary}\n\n{notice.details}"
            publish(topic, f"[mailgate] {notice.summary}"[:100], text)
            done.sent.append(topic)
        except Exception as exc:
            done.failed.append(f"{topic}: {type(exc).__name__}: {exc}")
    return done
