"""A replay job: the messages received in a time range decided under the live and the proposed settings, the
differences kept page by page, the counts kept on the job, nothing else touched (no delivery, no Backup, no
event, no counter: the job reads the event log and the stored scan reports, and writes only its own items).

The job runs in the api function, invoked asynchronously by itself (docs/replay.md says why not a Step
Functions Map state yet). It stops before the invocation's time runs out, saves where it is, and has itself
invoked again: a job of 1,000 messages is a few invocations in sequence, never one that times out. A larger job
fans out: once its ids are gathered, one worker per ids item decides that item, FAN_OUT of them at once, each with
its own result pages and tally, claimed turn by turn so that a second delivery of an invocation does nothing
(replay/parts.py); the job's counts are then the sum of its workers' (`current`).
"""

from __future__ import annotations

import time
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
from mailgate.replay import parts as fanout
from mailgate.replay.deciding import Decider
from mailgate.replay.diff import MessageDiff, Tally, compare
from mailgate.replay.parts import PartTicket, ReplayPart
from mailgate.replay.rescan import ContentRescan, ReadOriginal
from mailgate.rules.current import PersonalLookup
from mailgate.scan.report import ScanReport

MAX_MESSAGES = 100_000  # per job: a request asks for at most this many (docs/replay.md: the cost of a job)
DEFAULT_MESSAGES = 1_000
IDS_PER_ITEM = 1_000  # the range's message ids, stored in items of this many (~40 KB each)
GATHER_PAGE = 1_000  # `received` events asked of the event log at a time while gathering the ids
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
    parts: int = 0  # ids items fanned out to workers (0: the job runs as one chain of invocations)
    cursor: str | None = None  # where gathering the range's ids goes on (the event log's page token)
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

    def claim_part(self, ticket: PartTicket, until: int) -> ReplayPart | None:
        """The part, when this invocation may carry it on until `until` (epoch seconds); None when the ticket's
        turn is another invocation's (a second delivery) or over."""
        ...

    def save_part(self, job_id: str, part: ReplayPart, turn: int) -> bool:
        """False when `turn` no longer holds the part (it was taken over): nothing written."""
        ...

    def parts(self, job_id: str) -> list[ReplayPart]: ...


@dataclass(frozen=True)
class ReplayPorts:
    store: ReplayStore
    events: Callable[[], EventLog]
    report: Callable[[str], ScanReport | None]  # the stored scan report of a message, if still kept
    live: Callable[[], GatewayConfig]
    start: Callable[[str], None]  # has the job run (again) elsewhere: the api function invoked asynchronously
    start_part: Callable[[PartTicket], None] | None = None  # the same for a worker of a fanned-out job
    directory: Callable[[], DirectoryIndex | None] = lambda: None
    personal: PersonalLookup | None = None
    original: ReadOriginal | None = None  # the mail bucket: a proposal's Content Filtering reads the originals


def _items(count: int) -> int:
    return -(-count // IDS_PER_ITEM)


def _put_ids(store: ReplayStore, job_id: str, ids: Sequence[str], stored: int) -> None:
    """The ids items from the one that holds id number `stored` (those before it are stored already)."""
    for number in range(stored // IDS_PER_ITEM, _items(len(ids))):
        store.put_ids(job_id, number, ids[number * IDS_PER_ITEM:(number + 1) * IDS_PER_ITEM])


def _gather(job: ReplayJob, ports: ReplayPorts, remaining_millis: Callable[[], int]) -> bool:
    """Store the ids of the range's messages (at most `limit`, oldest first) in items of IDS_PER_ITEM; False when
    the invocation's time runs short first: what was found is stored, and the job invoked again goes on."""
    store, stored = ports.store, job.total  # the ids the invocations before this one found
    found = dict.fromkeys(i for n in range(_items(stored)) for i in store.ids(job.job_id, n))
    events, wanted, token, received = ports.events(), job.limit + 1, job.cursor, EventFilter(kind=ev.RECEIVED)
    while True:  # at least one page per invocation: every invocation gets on
        page = events.between(job.start, job.end, min(GATHER_PAGE, wanted - len(found)), token, received)
        for event in page.events:
            found.setdefault(event.message_id)
        token = page.next_token
        if not token or len(found) >= wanted:
            break
        if remaining_millis() < MARGIN_MILLIS:
            _put_ids(store, job.job_id, list(found), stored)
            job.total, job.cursor = len(found), token
            store.save(job)
            ports.start(job.job_id)
            return False
    ids = list(found)
    job.more = len(ids) > job.limit
    ids = ids[:job.limit]
    _put_ids(store, job.job_id, ids, stored)
    job.total, job.cursor, job.state = len(ids), None, "running"
    job.parts = _items(len(ids)) if len(ids) > IDS_PER_ITEM else 0
    store.save(job)
    return True


def _decide_chunk(tally: Tally, ids: Sequence[str], live: Decider, proposed: Decider, ports: ReplayPorts,
                  directory: DirectoryIndex | None) -> list[MessageDiff]:
    changed: list[MessageDiff] = []
    for message_id in ids:
        report = ports.report(message_id)
        if report is None:
            tally.missing_reports += 1
            continue
        read, fresh = proposed.prepare(report)
        tally.missing_originals += not fresh
        diff = compare(message_id, live.sides(report, directory, ports.personal),
                       proposed.sides(read, directory, ports.personal, prepared=True), report.envelope.mail_from)
        tally.add(diff)
        if diff.changed_count:
            changed.append(diff)
    return changed


def deciders(live: GatewayConfig, proposed: GatewayConfig, original: ReadOriginal | None) -> tuple[Decider, Decider]:
    """The proposal re-runs Content Filtering over the originals only when it changes Content Filtering."""
    rescan = ContentRescan(proposed, original) if original is not None and \
        proposed.content_filter != live.content_filter else None
    return Decider(live), Decider(proposed, rescan)


def run(job_id: str, ports: ReplayPorts, remaining_millis: Callable[[], int] = lambda: 10**9) -> ReplayJob | None:
    """Carry the job on from where it stands; when the invocation's time runs short, save and hand on. A job of
    more than one ids item is handed to its workers (`run_part`) once its ids are gathered."""
    job = ports.store.get(job_id)
    if job is None or job.state in ("done", "failed"):
        return job
    try:
        if job.state == "queued" and not _gather(job, ports, remaining_millis):
            return job
        if job.parts:  # the workers' from now on; a second delivery sends the first tickets again: no-ops
            _fan_out(job, ports)
            return job
        if not _decide_in_turn(job, ports, remaining_millis):
            return job
    except Exception as exc:  # a job that cannot go on says why instead of retrying forever
        job.state, job.error = "failed", _why(exc)
    else:
        job.state = "done"
    job.finished_at = utc_now()
    ports.store.save(job)
    return job


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _decide_in_turn(job: ReplayJob, ports: ReplayPorts, remaining_millis: Callable[[], int]) -> bool:
    """A job of one chain: False when the invocation's time ran short and the job was invoked again."""
    directory = ports.directory()
    live, proposed = deciders(ports.live(), ports.store.proposed(job.job_id), ports.original)
    while job.done < job.total:
        if remaining_millis() < MARGIN_MILLIS:
            ports.store.save(job)
            ports.start(job.job_id)
            return False
        number, offset = divmod(job.done, IDS_PER_ITEM)
        ids = ports.store.ids(job.job_id, number)[offset:offset + CHUNK]
        changed = _decide_chunk(job.tally, ids, live, proposed, ports, directory)
        if changed:
            ports.store.put_page(job.job_id, job.pages, changed)
            job.pages += 1
        job.done += len(ids) or (job.total - job.done)  # an id item gone (its TTL): the job ends
        ports.store.save(job)
    return True


def _fan_out(job: ReplayJob, ports: ReplayPorts) -> None:
    """The first FAN_OUT workers; each one that finishes starts the next of its chain (parts.next_part)."""
    if ports.start_part is None:
        raise RuntimeError("this gateway cannot start a replay's workers")
    for number in range(min(fanout.FAN_OUT, job.parts)):
        ports.start_part(PartTicket(job_id=job.job_id, part=number))


def run_part(ticket: PartTicket, ports: ReplayPorts, remaining_millis: Callable[[], int] = lambda: 10**9
             ) -> ReplayPart | None:
    """One invocation of a worker of a fanned-out job: its ids item decided on from where the part stands, handed
    on to the next turn when the invocation's time runs short, the chain's next item started when it is done.
    None when the ticket's turn is not this invocation's (a second delivery of it): nothing done."""
    store = ports.store
    part = store.claim_part(ticket, int(time.time() + remaining_millis() / 1000))
    if part is None:
        return None
    job = store.get(ticket.job_id)
    if job is None or part.state != "running":
        return part
    try:
        if not _decide_part(job, part, ticket.turn, ports, remaining_millis):
            return part
    except Exception as exc:  # the job fails with the worker's reason (current() reads it)
        part.state, part.error = "failed", _why(exc)
    else:
        part.state = "done"
    part.finished_at = utc_now()
    if store.save_part(job.job_id, part, ticket.turn) and part.state == "done":
        _start_next(job, part, ticket.turn, ports)
    return part


def _decide_part(job: ReplayJob, part: ReplayPart, turn: int, ports: ReplayPorts,
                 remaining_millis: Callable[[], int]) -> bool:
    """False when the invocation's time ran short (the next turn invoked) or its turn was taken over."""
    store, start_part = ports.store, ports.start_part
    ids = store.ids(job.job_id, part.number)
    directory = ports.directory()
    live, proposed = deciders(ports.live(), store.proposed(job.job_id), ports.original)
    first_page = part.number * fanout.pages_per_part(IDS_PER_ITEM, CHUNK)
    while part.done < len(ids):
        if remaining_millis() < MARGIN_MILLIS:
            if store.save_part(job.job_id, part, turn) and start_part is not None:
                start_part(PartTicket(job_id=job.job_id, part=part.number, turn=turn + 1))
            return False
        chunk = ids[part.done:part.done + CHUNK]
        changed = _decide_chunk(part.tally, chunk, live, proposed, ports, directory)
        if changed:
            store.put_page(job.job_id, first_page + part.pages, changed)
            part.pages += 1
        part.done += len(chunk)
        if not store.save_part(job.job_id, part, turn):
            return False
    part.done = min(IDS_PER_ITEM, job.total - part.number * IDS_PER_ITEM)  # its ids gone (their TTL): it ends
    return True


def _start_next(job: ReplayJob, part: ReplayPart, turn: int, ports: ReplayPorts) -> None:
    following = fanout.next_part(part.number, job.parts)
    if following is None or ports.start_part is None:
        return
    found = ports.store.get(job.job_id)
    if (found is not None and found.state == "failed") or \
            any(p.state == "failed" for p in ports.store.parts(job.job_id)):
        return  # the job has failed: the rest of the chain would not change that
    try:
        ports.start_part(PartTicket(job_id=job.job_id, part=following))
    except Exception as exc:
        part.state, part.error = "failed", f"ids item {following} not started: {_why(exc)}"[:500]
        ports.store.save_part(job.job_id, part, turn)


def current(store: ReplayStore, job_id: str) -> ReplayJob | None:
    """The job as it stands: a fanned-out job's counts, progress and state summed up from its workers' parts
    (done when every part is, failed when one is, with that part's reason)."""
    job = store.get(job_id)
    if job is None or not job.parts:
        return job
    found = store.parts(job_id)
    job.tally = fanout.summed(found)
    job.done, job.pages = sum(p.done for p in found), sum(p.pages for p in found)
    failed = next((p for p in found if p.state == "failed"), None)
    if job.state == "running" and failed is not None:
        job.state, job.error = "failed", f"ids item {failed.number}: {failed.error}"[:500]
    elif job.state == "running" and len(found) == job.parts and all(p.state == "done" for p in found):
        job.state = "done"
    if job.state in ("done", "failed") and job.finished_at is None:
        job.finished_at = max((p.finished_at for p in found if p.finished_at), default=utc_now())
    return job


def _page_numbers(store: ReplayStore, job: ReplayJob) -> list[int]:
    """The storage numbers of the job's result pages, in the order their messages were decided: a fanned-out
    job's are each part's, in the order of the parts."""
    if not job.parts:
        return list(range(job.pages))
    per_part = fanout.pages_per_part(IDS_PER_ITEM, CHUNK)
    return [p.number * per_part + n for p in sorted(store.parts(job.job_id), key=lambda p: p.number)
            for n in range(p.pages)]


def results(store: ReplayStore, job: ReplayJob, cursor: tuple[int, int], limit: int
            ) -> tuple[list[MessageDiff], tuple[int, int] | None]:
    """Up to `limit` messages whose decision changes, from (page, offset); the next cursor or None."""
    page_number, offset = cursor
    numbers = [n for n in _page_numbers(store, job) if n >= page_number]
    if numbers and numbers[0] != page_number:
        offset = 0
    found: list[MessageDiff] = []
    while numbers and len(found) < limit:
        page = store.page(job.job_id, numbers[0])
        taken = page[offset:offset + limit - len(found)]
        found += taken
        offset += len(taken)
        if offset >= len(page):
            numbers, offset = numbers[1:], 0
    return found, (numbers[0], offset) if numbers else None
