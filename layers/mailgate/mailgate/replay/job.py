"""A replay job: the messages received in a time range decided under the live and the proposed settings, the
differences kept page by page, the counts kept on the job, nothing else touched (no delivery, no Backup, no
event, no counter: the job reads the event log and the stored scan reports, and writes only its own items).

The job runs in the api function, invoked asynchronously by itself (docs/replay.md says why not a Step
Functions Map state yet). It stops before the invocation's time runs out, saves where it is, and has itself
invoked again: a job of 10,000 messages is a few invocations in sequence, never one that times out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import msgspec

from mailgate.config import GatewayConfig
from mailgate.directory.index import DirectoryIndex
from mailgate.events import model as ev
from mailgate.events.log import EventLog
from mailgate.events.model import utc_now
from mailgate.events.query import EventFilter
from mailgate.replay.deciding import Decider
from mailgate.replay.diff import MessageDiff, Tally, compare
from mailgate.replay.rescan import ContentRescan, ReadOriginal
from mailgate.rules.current import PersonalLookup
from mailgate.scan.report import ScanReport

MAX_MESSAGES = 10_000  # per job: a request asks for at most this many (docs/replay.md: the cost of a job)
DEFAULT_MESSAGES = 1_000
IDS_PER_ITEM = 1_000  # the range's message ids, stored in items of this many (~40 KB each)
CHUNK = 100  # messages decided between two saves of the job's progress (and one results item at most)
MARGIN_MILLIS = 20_000  # left of an invocation when the job saves itself and has itself invoked again

State = Literal["queued", "running", "done", "failed"]


class ReplayJob(msgspec.Struct, kw_only=True):
    job_id: str
    state: State
    start: str
    end: str
    limit: int
    created_at: str
    created_by: str
    total: int = 0  # messages the job decides: those received in the range, at most `limit`
    done: int = 0
    more: bool = False  # the range had more messages than `limit`
    pages: int = 0  # result items written (only chunks with a difference write one)
    error: str | None = None
    finished_at: str | None = None
    tally: Tally = msgspec.field(default_factory=Tally)

    def to_dict(self) -> dict[str, Any]:
        return {**msgspec.to_builtins(self), "tally": self.tally.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplayJob:
        tally = Tally.from_dict(data.get("tally") or {})
        return msgspec.convert({**data, "tally": {}}, cls, strict=False).with_tally(tally)

    def with_tally(self, tally: Tally) -> ReplayJob:
        self.tally = tally
        return self


def new_job(start: str, end: str, limit: int, created_by: str) -> ReplayJob:
    return ReplayJob(job_id=uuid.uuid4().hex, state="queued", start=start, end=end,
                     limit=max(1, min(limit, MAX_MESSAGES)), created_at=utc_now(), created_by=created_by)


class ReplayStore(Protocol):
    """Job state, its proposed settings, the range's message ids and the result pages (aws/replay_store.py)."""

    def create(self, job: ReplayJob, proposed: GatewayConfig) -> None: ...

    def get(self, job_id: str) -> ReplayJob | None: ...

    def save(self, job: ReplayJob) -> None: ...

    def proposed(self, job_id: str) -> GatewayConfig: ...

    def put_ids(self, job_id: str, number: int, ids: Sequence[str]) -> None: ...

    def ids(self, job_id: str, number: int) -> list[str]: ...

    def put_page(self, job_id: str, number: int, diffs: Sequence[MessageDiff]) -> None: ...

    def page(self, job_id: str, number: int) -> list[MessageDiff]: ...


@dataclass(frozen=True)
class ReplayPorts:
    store: ReplayStore
    events: Callable[[], EventLog]
    report: Callable[[str], ScanReport | None]  # the stored scan report of a message, if still kept
    live: Callable[[], GatewayConfig]
    start: Callable[[str], None]  # has the job run (again) elsewhere: the api function invoked asynchronously
    directory: Callable[[], DirectoryIndex | None] = lambda: None
    personal: PersonalLookup | None = None
    original: ReadOriginal | None = None  # the mail bucket: a proposal's Content Filtering reads the originals


def received_ids(events: EventLog, start: str, end: str, wanted: int) -> list[str]:
    """The ids of up to `wanted` messages received in the range, oldest first."""
    found: dict[str, None] = {}
    token: str | None = None
    while len(found) < wanted:
        page = events.between(start, end, min(1000, wanted - len(found)), token, EventFilter(kind=ev.RECEIVED))
        for event in page.events:
            found.setdefault(event.message_id)
        token = page.next_token
        if not token:
            break
    return list(found)[:wanted]


def _gather(job: ReplayJob, ports: ReplayPorts) -> None:
    ids = received_ids(ports.events(), job.start, job.end, job.limit + 1)
    job.more = len(ids) > job.limit
    ids = ids[:job.limit]
    for number, first in enumerate(range(0, len(ids), IDS_PER_ITEM)):
        ports.store.put_ids(job.job_id, number, ids[first:first + IDS_PER_ITEM])
    job.total, job.state = len(ids), "running"
    ports.store.save(job)


def _decide_chunk(job: ReplayJob, ids: Sequence[str], live: Decider, proposed: Decider, ports: ReplayPorts,
                  directory: DirectoryIndex | None) -> list[MessageDiff]:
    changed: list[MessageDiff] = []
    for message_id in ids:
        report = ports.report(message_id)
        if report is None:
            job.tally.missing_reports += 1
            continue
        read, fresh = proposed.prepare(report)
        job.tally.missing_originals += not fresh
        diff = compare(message_id, live.sides(report, directory, ports.personal),
                       proposed.sides(read, directory, ports.personal, prepared=True), report.envelope.mail_from)
        job.tally.add(diff)
        if diff.changed_count:
            changed.append(diff)
    return changed


def deciders(live: GatewayConfig, proposed: GatewayConfig, original: ReadOriginal | None) -> tuple[Decider, Decider]:
    """The proposal re-runs Content Filtering over the originals only when it changes Content Filtering."""
    rescan = ContentRescan(proposed, original) if original is not None and \
        proposed.content_filter != live.content_filter else None
    return Decider(live), Decider(proposed, rescan)


def run(job_id: str, ports: ReplayPorts, remaining_millis: Callable[[], int] = lambda: 10**9) -> ReplayJob | None:
    """Carry the job on from where it stands; when the invocation's time runs short, save and hand on."""
    job = ports.store.get(job_id)
    if job is None or job.state in ("done", "failed"):
        return job
    try:
        if job.state == "queued":
            _gather(job, ports)
        directory = ports.directory()
        live, proposed = deciders(ports.live(), ports.store.proposed(job_id), ports.original)
        while job.done < job.total:
            if remaining_millis() < MARGIN_MILLIS:
                ports.store.save(job)
                ports.start(job_id)
                return job
            number, offset = divmod(job.done, IDS_PER_ITEM)
            ids = ports.store.ids(job_id, number)[offset:offset + CHUNK]
            changed = _decide_chunk(job, ids, live, proposed, ports, directory)
            if changed:
                ports.store.put_page(job_id, job.pages, changed)
                job.pages += 1
            job.done += len(ids) or (job.total - job.done)  # an id item gone (its TTL): the job ends
            ports.store.save(job)
    except Exception as exc:  # a job that cannot go on says why instead of retrying forever
        job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
    else:
        job.state = "done"
    job.finished_at = utc_now()
    ports.store.save(job)
    return job


def results(store: ReplayStore, job: ReplayJob, cursor: tuple[int, int], limit: int
            ) -> tuple[list[MessageDiff], tuple[int, int] | None]:
    """Up to `limit` messages whose decision changes, from (page, offset); the next cursor or None."""
    page_number, offset = cursor
    found: list[MessageDiff] = []
    while page_number < job.pages and len(found) < limit:
        page = store.page(job.job_id, page_number)
        taken = page[offset:offset + limit - len(found)]
        found += taken
        offset += len(taken)
        if offset >= len(page):
            page_number, offset = page_number + 1, 0
    return found, (page_number, offset) if page_number < job.pages else None
