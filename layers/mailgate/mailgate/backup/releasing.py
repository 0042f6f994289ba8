"""Releasing a Backup entry: the message made from the original (mailgate.backup.release), delivered to each
target through the route of its domain, once per (entry, release request, target), and recorded.

Delivered synchronously by the caller (the admin API function), not through the rules queue: the answer can
then say per target what happened (delivered, or failed and why), which is what the person releasing needs to
see; the rules step's queue carries scan hand-offs, and a second kind of item on it would make its handler guess
which it got. What the queue would add, retries, the caller gets by releasing again: a failed target is not
recorded as done by the execute-once store (its action raised), so the same request id tries it again, and a
delivered one is never delivered twice.

Idempotency: the execute-once key is `release|<backup id>|<request id>|<target>`. A client that sends no
request id gets one made of who releases, how, to whom and the minute; across a minute's boundary the entry's
history answers: a target this caller had delivered the same way less than 60 s ago is not delivered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec

from mailgate.backup.model import BackupIndex, BackupRecord, HistoryEntry
from mailgate.backup.release import Release, released_as_attachment, released_as_is
from mailgate.config import GatewayConfig, Route
from mailgate.delivery.base import Deliverer
from mailgate.delivery.errors import DeliveryError, MessageNotSealable, PermanentDeliveryError
from mailgate.environment import RELEASE_KEY
from mailgate.events import model as ev
from mailgate.events.log import EventLog
from mailgate.ports import ExecuteOnce
from mailgate.scan.report import ScanReport
from mailgate.scanners.authentication.headers import authentication_results_value

DOUBLE_CLICK_SECONDS = 60
RELEASED = "released"
RELEASED_AS_ATTACHMENT = "released_as_attachment"


class TargetStatus(StrEnum):
    DELIVERED = "delivered"  # handed over by this request
    ALREADY_DELIVERED = "already_delivered"  # this request (or a double click) delivered it before: not again
    FAILED = "failed"  # not delivered: `detail` says why; releasing again tries again


class TargetOutcome(msgspec.Struct, frozen=True):
    to: str
    status: TargetStatus
    detail: str = ""  # the destination's reply, or the error


@dataclass(frozen=True)
class ReleaseResult:
    record: BackupRecord  # with the history entry of this release, when it did anything
    request_id: str
    outcomes: tuple[TargetOutcome, ...]


@dataclass(frozen=True)
class ReleasePorts:
    read_original: Callable[[str], bytes]  # an object of the mail bucket
    deliverer_for: Callable[[Route], Deliverer]
    execute_once: ExecuteOnce
    index: BackupIndex
    events: EventLog
    seal: Callable[[bytes], bytes] | None = None  # the ARC seal, as the rules step seals
    report: Callable[[str], ScanReport | None] = lambda message_id: None  # the stored scan report
    in_progress: tuple[type[BaseException], ...] = field(default=())  # the store's "someone runs this key now"
    # lets the execute-once store expire a release the function's timeout cut short (else its key stays taken)
    bind_invocation: Callable[[Any], None] = lambda context: None
    # set where this process holds no delivery secrets (the admin API in AWS): the order goes to the rules
    # function, which delivers it with these same steps (see `order_message` and `run_order`)
    remote: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class ReleaseOrder:
    targets: tuple[str, ...]
    who: str
    as_attachment: bool = False
    request_id: str = ""  # the client's; empty: made from the order and the minute


class _Refused(PermanentDeliveryError):
    """The destination took the transaction but not this target."""


class OriginalGone(LookupError):
    """The entry or its original is no longer stored (retention, a deletion): nothing was sent."""


def order_message(record: BackupRecord, order: ReleaseOrder) -> dict[str, Any]:
    """A release order as the rules function takes it: ids only (the original is read there, from S3)."""
    return {RELEASE_KEY: {"backup_id": record.backup_id, "targets": list(order.targets), "who": order.who,
                          "as_attachment": order.as_attachment, "request_id": order.request_id}}


def run_order(message: dict[str, Any], config: GatewayConfig, ports: ReleasePorts) -> dict[str, Any]:
    """The rules function's side: the release an order names, done here; the answer `result_from` reads."""
    from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415 - what reading a removed original raises

    wanted = message[RELEASE_KEY]
    record = ports.index.get(str(wanted["backup_id"]))
    if record is None:
        return {"gone": f"no Backup entry {wanted['backup_id']}"}
    order = ReleaseOrder(tuple(str(t) for t in wanted["targets"]), str(wanted["who"]), bool(wanted["as_attachment"]),
                         str(wanted.get("request_id") or ""))
    try:
        result = release(record, order, config, ports)
    except MailStoreError as exc:
        return {"gone": str(exc)}
    return {"record": result.record.to_dict(), "request_id": result.request_id,
            "outcomes": [msgspec.to_builtins(o) for o in result.outcomes]}


def result_from(answer: dict[str, Any]) -> ReleaseResult:
    if "gone" in answer:
        raise OriginalGone(str(answer["gone"]))
    return ReleaseResult(BackupRecord.from_dict(answer["record"]), str(answer["request_id"]),
                         tuple(msgspec.convert(o, TargetOutcome) for o in answer["outcomes"]))


def release(record: BackupRecord, order: ReleaseOrder, config: GatewayConfig, ports: ReleasePorts) -> ReleaseResult:
    """Delivers the release to each target and records it (history, event) when it did anything. What
    `ports.read_original` raises when the original is no longer stored comes through, before anything is sent
    (OriginalGone when the rules function delivers it)."""
    if ports.remote is not None:
        return result_from(ports.remote(order_message(record, order)))
    raw = ports.read_original(record.object_key)
    request_id = order.request_id or _made_request_id(record, order)
    recent = _recently_delivered(record, order)
    rel = Release(record, order.who, config.header_prefix, config.authserv_id,
                  authentication_results=_authentication_results(ports.report(record.message_id), config))
    data, notes = _sealed(released_as_is(raw, rel), ports) if not order.as_attachment else (b"", [])
    sender = config.notifications.sender(config.authserv_id)
    outcomes: list[TargetOutcome] = []
    ran = False
    for target in order.targets:
        if target.lower() in recent:
            outcomes.append(TargetOutcome(target, TargetStatus.ALREADY_DELIVERED, "released less than a minute ago"))
            continue
        route = config.route_for(target)
        if route is None:
            outcomes.append(TargetOutcome(target, TargetStatus.FAILED, "its domain is not accepted by this gateway"))
            continue
        message = released_as_attachment(raw, rel, sender, (target,)) if order.as_attachment else data
        mail_from = sender if order.as_attachment else record.sender
        outcome, executed = _deliver_once(ports, f"release|{record.backup_id}|{request_id}|{target.lower()}",
                                          route, mail_from, target, message)
        ran = ran or executed
        outcomes.append(outcome)
    updated = _record(record, order, outcomes, ports, notes) if ran else record
    return ReleaseResult(updated, request_id, tuple(outcomes))


def _deliver_once(ports: ReleasePorts, key: str, route: Route, mail_from: str, target: str,
                  message: bytes) -> tuple[TargetOutcome, bool]:
    """(the outcome, whether this call ran the delivery). A failure is not stored: the next release tries."""
    ran: list[bool] = []

    def hand_over() -> dict[str, Any]:
        ran.append(True)
        result = ports.deliverer_for(route).deliver(mail_from, (target,), message)
        if target not in result.accepted and target.lower() not in {a.lower() for a in result.accepted}:
            code, text = result.refused.get(target, (0, result.reply))
            raise _Refused(f"{result.host} refused {target}: {code} {text}".strip())
        return {"reply": result.reply, "host": result.host}

    try:
        stored = ports.execute_once(key, hand_over)
    except DeliveryError as exc:
        return TargetOutcome(target, TargetStatus.FAILED, str(exc)), True
    except ports.in_progress:
        return TargetOutcome(target, TargetStatus.ALREADY_DELIVERED, "a release of it is under way"), False
    except Exception as exc:  # a relay login that cannot be read, say: shown in the history, not a 500
        return TargetOutcome(target, TargetStatus.FAILED, f"{type(exc).__name__}: {exc}"), True
    status = TargetStatus.DELIVERED if ran else TargetStatus.ALREADY_DELIVERED
    return TargetOutcome(target, status, str(stored.get("reply") or "")), bool(ran)


def _record(record: BackupRecord, order: ReleaseOrder, outcomes: Sequence[TargetOutcome], ports: ReleasePorts,
            notes: Sequence[str] = ()) -> BackupRecord:
    delivered = tuple(o.to for o in outcomes if o.status == TargetStatus.DELIVERED)
    failed = [o for o in outcomes if o.status == TargetStatus.FAILED]
    before = [o.to for o in outcomes if o.status == TargetStatus.ALREADY_DELIVERED]
    parts = [f"delivered to {', '.join(delivered)}" if failed or before else "delivered"] if delivered else []
    parts += [f"already delivered to {', '.join(before)}"] if before else []
    parts += [f"failed: {'; '.join(f'{o.to}: {o.detail}' for o in failed)}"] if failed else []
    outcome = "; ".join(parts)
    action = RELEASED_AS_ATTACHMENT if order.as_attachment else RELEASED
    entry = HistoryEntry(action, order.who, tuple(o.to for o in outcomes), outcome[:2000])
    # a delivered release answers a user's pending request for it
    request = "" if delivered and record.release_requested_by else None
    updated = ports.index.add_history(record.backup_id, entry, released_to=delivered, request=request)
    how = " as an attachment" if order.as_attachment else ""
    ports.events.append([ev.Event(
        record.message_id, ev.RELEASED, f"released from Backup{how} by {order.who}: {entry.outcome}",
        ", ".join(o.to for o in outcomes),
        {"backup_id": record.backup_id, "by": order.who, "as_attachment": order.as_attachment,
         "outcomes": [msgspec.to_builtins(o) for o in outcomes], **({"notes": list(notes)} if notes else {})},
        sender=record.sender, subject=record.subject)])
    return updated or record


def _sealed(data: bytes, ports: ReleasePorts) -> tuple[bytes, list[str]]:
    """The ARC seal, as the rules step's delivery adds it; a message that cannot carry one, or a key that cannot
    be read, goes without, and the release's event says so."""
    if ports.seal is None:
        return data, []
    try:
        return ports.seal(data), []
    except MessageNotSealable as exc:
        return data, [f"not ARC-sealed: {exc}"]
    except (ValueError, RuntimeError) as exc:  # a key problem must not hold the release back
        return data, [f"ARC sealing skipped: {exc}"]


def _authentication_results(report: ScanReport | None, config: GatewayConfig) -> str:
    """Ours, as the delivery would have written it: what the ARC seal copies (no report left: no seal)."""
    auth = report.result("authentication") if report is not None else None
    if auth is None or auth.verdict == "error":
        return ""
    return authentication_results_value(config.authserv_id, auth)


def _made_request_id(record: BackupRecord, order: ReleaseOrder) -> str:
    minute = int(datetime.now(UTC).timestamp()) // DOUBLE_CLICK_SECONDS
    text = "\n".join((record.backup_id, order.who, str(order.as_attachment), *sorted(t.lower() for t in order.targets),
                      str(minute)))
    return "auto-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _recently_delivered(record: BackupRecord, order: ReleaseOrder) -> set[str]:
    """Targets this caller released the same way, delivered, less than a minute ago (a double click)."""
    if order.request_id:
        return set()
    action = RELEASED_AS_ATTACHMENT if order.as_attachment else RELEASED
    since = datetime.now(UTC) - timedelta(seconds=DOUBLE_CLICK_SECONDS)
    found: set[str] = set()
    for entry in record.history:
        if entry.action != action or entry.actor != order.who or not entry.outcome.startswith("delivered"):
            continue
        try:
            at = datetime.fromisoformat(entry.at.replace("Z", "+00:00"))
        except ValueError:
            continue
        if at >= since:
            found |= {t.lower() for t in entry.to if t.lower() in {r.lower() for r in record.released_to}}
    return found
