"""Shadow mode: a candidate settings document decides every new message beside the live settings, and its
would-be decision is written to the event log as one `shadow` event per message; it acts on nothing.

One event per message (not per recipient group, not a field on each `decision` event): a message costs one
more event-log write whatever its number of groups, the decision events (written inside each group's
execute-once action) stay as they are, and the summary reads only the `shadow` events of its range instead of
every decision event. The event lists the recipients whose decision differs (at most MAX_LISTED) and counts all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec

from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.config import GatewayConfig
from mailgate.directory.index import DirectoryIndex
from mailgate.events.log import EventLog
from mailgate.events.model import Event
from mailgate.events.query import EventFilter
from mailgate.replay.deciding import Decider
from mailgate.replay.diff import MessageDiff, Side, Tally, compare
from mailgate.replay.rescan import ContentRescan
from mailgate.rules.current import PersonalLookup
from mailgate.scan.report import ScanReport

SHADOW = "shadow"  # the event kind
RELOAD_SECONDS = 30.0  # a warm rules function sees a new or removed candidate within this (as the settings)
SUMMARY_EVENTS = 20_000  # the most shadow events one summary reads (it says when the range had more)

logger = logging.getLogger(__name__)


class ShadowSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The candidate as stored beside the live settings (aws/shadow_settings.py)."""

    config: GatewayConfig
    since: str
    set_by: str
    based_on_version: int  # the live settings version it was made from


def live_sides(outcomes: Iterable[Outcome]) -> list[tuple[str, Side]]:
    """(recipient, live decision) from the rules step's outcomes; a group the quarantine could not hold is
    decided again at once, and that decision is the one taken."""
    found: list[tuple[str, Side]] = []
    for outcome in outcomes:
        if outcome.status == OutcomeStatus.DECIDED and outcome.outcomes:
            found += live_sides(outcome.outcomes)
        elif outcome.decision is not None:
            side = Side.of(outcome.decision)
            found += [(recipient, side) for recipient in outcome.recipients]
    return found


class ShadowRecorder:
    """The rules step's optional shadow port: never raises, never acts; one event per message while a candidate
    is set. `load` reads the candidate (None: no shadow); it is read again every RELOAD_SECONDS. `live`: the live
    settings; a candidate whose Content Filtering differs from theirs runs its expressions over the message."""

    def __init__(self, load: Callable[[], ShadowSettings | None], events: EventLog,
                 live: Callable[[], GatewayConfig] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.load = load
        self.events = events
        self.live = live
        self.clock = clock
        self._lock = threading.Lock()
        self._held: tuple[float, ShadowSettings | None, Decider | None, ContentRescan | None] | None = None

    def candidate(self) -> tuple[ShadowSettings | None, Decider | None, ContentRescan | None]:
        with self._lock:
            if self._held is None or self.clock() - self._held[0] > RELOAD_SECONDS:
                shadow = self.load()
                if self._held is not None and shadow is not None and self._held[1] == shadow:
                    self._held = (self.clock(), *self._held[1:])
                elif shadow is None:
                    self._held = (self.clock(), None, None, None)
                else:
                    rescan = ContentRescan(shadow.config, _unread) if self.live is not None and \
                        shadow.config.content_filter != self.live().content_filter else None
                    self._held = (self.clock(), shadow, Decider(shadow.config), rescan)
            return self._held[1:]

    def __call__(self, report: ScanReport, subject: str, outcomes: Sequence[Outcome],
                 directory: DirectoryIndex | None, personal: PersonalLookup | None, raw: bytes = b"") -> None:
        try:
            shadow, decider, rescan = self.candidate()
            if shadow is None or decider is None:
                return
            read = rescan.scanned(report, raw) if rescan is not None and raw else report
            diff = compare(report.message_id, live_sides(outcomes), decider.sides(read, directory, personal),
                           report.envelope.mail_from)
            summary = (f"shadow settings (since {shadow.since}): {diff.changed_count} of {diff.recipients} "
                       "recipients decided differently; nothing done")
            self.events.append([Event(report.message_id, SHADOW, summary, detail={
                "since": shadow.since, "recipients": diff.recipients, "changed_count": diff.changed_count,
                "changed": [msgspec.to_builtins(c) for c in diff.changed]},
                sender=report.envelope.mail_from, subject=subject)])
        except Exception:  # a shadow that fails never touches the live decision, which is already carried out
            logger.exception("shadow decision of %s failed", report.message_id)


def _unread(key: str, bucket: str | None) -> bytes:
    raise LookupError("the shadow recorder is handed the message; it reads no original")


def summarise(events: EventLog, start: str, end: str, budget: int = SUMMARY_EVENTS) -> tuple[Tally, bool]:
    """The live and shadow decisions of the range compared: counts over its `shadow` events (one per message;
    a retried message's second event is not counted again) and whether the range had more than `budget`."""
    tally = Tally()
    seen: set[str] = set()
    token: str | None = None
    read = 0
    while read < budget:
        page = events.between(start, end, min(1000, budget - read), token, EventFilter(kind=SHADOW))
        read += len(page.events)
        for event in page.events:
            if event.message_id not in seen:
                seen.add(event.message_id)
                tally.add(diff_of(event))
        token = page.next_token
        if not token:
            return tally, False
    return tally, True


def diff_of(event: Event) -> MessageDiff:
    detail: dict[str, Any] = event.detail
    return MessageDiff.from_dict({"message_id": event.message_id, "recipients": int(detail.get("recipients") or 0),
                                  "changed_count": int(detail.get("changed_count") or 0),
                                  "changed": detail.get("changed") or [], "sender": event.sender or "",
                                  "at": event.at})
