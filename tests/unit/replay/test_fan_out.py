"""A replay job larger than one ids item fans out to workers (moto): the same counts and differences as one chain
of invocations, at most FAN_OUT workers at once, a second delivery of any invocation changing nothing, a failing
worker failing the job with its reason. The ids items are made small so that a few hundred messages make many."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from mailgate.aws.replay_store import DynamoReplayStore
from mailgate.events.model import Event
from mailgate.replay import job, parts
from mailgate.replay.deciding import Decider
from mailgate.replay.parts import PartTicket
from tests.unit.replay.test_replay_jobs import CONFIG, SPAMMER, TODAY, Gateway, dropping_table
from tests.unit.rules.build import report

MESSAGES = 250
IDS_PER_ITEM = 20  # 13 ids items, the last one of 10
CHUNK = 8  # 3 chunks, so up to 3 result pages, per item
FAN_OUT = 3


class Invocations:
    """The api function's asynchronous invocations of workers, queued and delivered in order (each, if asked,
    twice: Lambda may deliver an event twice)."""

    def __init__(self) -> None:
        self.queue: deque[PartTicket] = deque()
        self.delivered: list[PartTicket] = []
        self.most_at_once = 0

    def __call__(self, ticket: PartTicket) -> None:
        self.queue.append(ticket)
        self.most_at_once = max(self.most_at_once, len({t.part for t in self.queue}))

    def drain(self, ports: job.ReplayPorts, chunks: int = 1_000, twice: bool = False) -> None:
        while self.queue:
            ticket = self.queue.popleft()
            self.delivered.append(ticket)
            for _ in range(2 if twice else 1):
                job.run_part(ticket, ports, budget(chunks))


def budget(chunks: int) -> Callable[[], int]:
    """An invocation's remaining time: enough for `chunks` chunks (and the claim that reads it first), then short."""
    calls = [0]

    def remaining() -> int:
        calls[0] += 1
        return 10**9 if calls[0] <= chunks + 1 else 0

    return remaining


class FanOutGateway(Gateway):
    def __init__(self) -> None:
        super().__init__()
        self.invocations = Invocations()

    def replay_ports(self) -> job.ReplayPorts:
        return job.ReplayPorts(store=DynamoReplayStore("events"), events=self.events, report=self.reports.get,
                               live=lambda: self.settings.current().config, start=self.start,
                               start_part=self.invocations)

    def receive_many(self, count: int) -> list[str]:
        """Every third message from the bulk sender (its decision changes), every tenth one's report gone."""
        ids, logged = [], []
        for number in range(count):
            message_id, sender = f"m-{number:04d}", SPAMMER if number % 3 == 0 else "alice@partner.test"
            found = report(sender=sender, recipients=("bob@example.org", "carol@example.org")[:1 + number % 2])
            if number % 10 != 7:
                self.reports[message_id] = type(found)(message_id, found.raw_location, found.envelope, {},
                                                       found.results)
            ids.append(message_id)
            logged.append(Event(message_id, "received", "received", sender=sender))
        self.events().append(logged)
        return ids


@pytest.fixture
def small_items(monkeypatch):
    monkeypatch.setattr(job, "IDS_PER_ITEM", IDS_PER_ITEM)
    monkeypatch.setattr(job, "CHUNK", CHUNK)
    monkeypatch.setattr(parts, "FAN_OUT", FAN_OUT)


@pytest.fixture
def gateway(aws, small_items) -> FanOutGateway:
    return FanOutGateway()


def started(gateway: FanOutGateway, limit: int = 10_000) -> dict[str, Any]:
    status, answer = gateway.call("POST", "/replays", {"sections": {"rules": dropping_table()}, "limit": limit})
    assert status == 202, answer
    return answer


def all_results(gateway: FanOutGateway, job_id: str, limit: int = 7) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        status, page = gateway.call("GET", f"/replays/{job_id}/results?limit={limit}{cursor}")
        assert status == 200, page
        found += page["items"]
        if page["next_cursor"] is None:
            return found
        cursor = f"&cursor={page['next_cursor']}"


def sequential(gateway: FanOutGateway, monkeypatch) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The same job run as one chain of invocations (one ids item holds every id)."""
    monkeypatch.setattr(job, "IDS_PER_ITEM", 1_000)
    answer = started(gateway)
    finished = gateway.call("GET", f"/replays/{answer['job_id']}")[1]
    assert finished["state"] == "done" and not gateway.invocations.queue
    changed = all_results(gateway, answer["job_id"])
    monkeypatch.setattr(job, "IDS_PER_ITEM", IDS_PER_ITEM)
    return finished, changed


def test_a_large_job_fans_out_and_counts_and_lists_exactly_what_one_chain_would(gateway, monkeypatch):
    ids = gateway.receive_many(MESSAGES)
    one_chain, one_chain_changed = sequential(gateway, monkeypatch)

    answer = started(gateway)
    assert gateway.call("GET", f"/replays/{answer['job_id']}")[1]["state"] == "running"  # the workers' turn
    gateway.invocations.drain(gateway.replay_ports(), chunks=1)  # each invocation decides one chunk, hands on
    status, fanned = gateway.call("GET", f"/replays/{answer['job_id']}")
    assert status == 200
    assert (fanned["state"], fanned["done"], fanned["total"], fanned["more"]) == ("done", MESSAGES, MESSAGES, False)
    assert fanned["counts"] == one_chain["counts"]
    assert fanned["counts"]["changed_messages"] == len([i for i in ids[::3] if i in gateway.reports]) > 50
    assert fanned["counts"]["missing_reports"] == MESSAGES // 10

    changed = all_results(gateway, answer["job_id"])
    assert [d["message_id"] for d in changed] == [d["message_id"] for d in one_chain_changed]
    assert len({d["message_id"] for d in changed}) == len(changed) == fanned["counts"]["changed_messages"]
    assert changed == one_chain_changed

    items = -(-MESSAGES // IDS_PER_ITEM)
    first_turns = [t.part for t in gateway.invocations.delivered if t.turn == 0]
    assert sorted(first_turns) == list(range(items))  # each ids item started once
    assert max(t.turn for t in gateway.invocations.delivered) == 2  # three chunks: two hand-ons per item
    assert gateway.invocations.most_at_once == FAN_OUT


def test_every_invocation_delivered_twice_changes_nothing(gateway, monkeypatch):
    gateway.receive_many(MESSAGES)
    one_chain, one_chain_changed = sequential(gateway, monkeypatch)

    answer = started(gateway)
    job.run(answer["job_id"], gateway.replay_ports())  # the coordinator's invocation delivered again
    gateway.invocations.drain(gateway.replay_ports(), chunks=2, twice=True)
    fanned = gateway.call("GET", f"/replays/{answer['job_id']}")[1]
    assert (fanned["state"], fanned["done"]) == ("done", MESSAGES)
    assert fanned["counts"] == one_chain["counts"]
    assert all_results(gateway, answer["job_id"], limit=500) == one_chain_changed

    store = DynamoReplayStore("events")
    late = PartTicket(job_id=answer["job_id"], part=0)  # a delivery arriving after the job is done
    assert job.run_part(late, gateway.replay_ports()) is None
    assert job.run(answer["job_id"], gateway.replay_ports()) is not None  # the first tickets sent again: no-ops
    assert [job.run_part(t, gateway.replay_ports()) for t in gateway.invocations.queue] == [None] * FAN_OUT
    assert [p.done for p in store.parts(answer["job_id"])][:2] == [IDS_PER_ITEM, IDS_PER_ITEM]


def test_a_second_delivery_while_the_first_still_holds_the_item_does_nothing(gateway):
    gateway.receive_many(3 * IDS_PER_ITEM)
    answer = started(gateway)
    ports, queue = gateway.replay_ports(), gateway.invocations.queue
    first = queue.popleft()
    paused = job.run_part(first, ports, budget(1))
    assert paused is not None and (paused.state, paused.done) == ("running", CHUNK)
    assert job.run_part(first, ports) is None  # its holder's time is not over: the duplicate must not run
    assert queue[-1] == PartTicket(job_id=answer["job_id"], part=0, turn=1)
    assert [p.done for p in DynamoReplayStore("events").parts(answer["job_id"]) if p.number == 0] == [CHUNK]


def test_a_failing_worker_fails_the_job_with_its_reason_and_its_chain_stops(gateway):
    ids = gateway.receive_many(6 * IDS_PER_ITEM)
    broken = ids[IDS_PER_ITEM + 3]  # in ids item 1

    def read(message_id: str) -> Any:
        if message_id == broken:
            raise RuntimeError("the mail bucket is unreachable")
        return gateway.reports.get(message_id)

    answer = started(gateway)
    ports = gateway.replay_ports()
    gateway.invocations.drain(replace(ports, report=read))
    status, failed = gateway.call("GET", f"/replays/{answer['job_id']}")
    assert status == 200
    assert failed["state"] == "failed" and failed["finished_at"]
    assert failed["error"] == "ids item 1: RuntimeError: the mail bucket is unreachable"
    assert 1 + FAN_OUT not in {t.part for t in gateway.invocations.delivered}  # item 1's chain went no further
    assert failed["done"] < failed["total"]


def test_gathering_a_large_range_goes_on_across_invocations(aws, small_items, monkeypatch):
    monkeypatch.setattr(job, "GATHER_PAGE", 15)
    gateway = FanOutGateway()
    ids = gateway.receive_many(4 * IDS_PER_ITEM + 5)
    store, coordinator = DynamoReplayStore("events"), []
    ports = job.ReplayPorts(store=store, events=gateway.events, report=gateway.reports.get, live=lambda: CONFIG,
                            start=coordinator.append, start_part=gateway.invocations)
    created = job.new_job(*TODAY, 4 * IDS_PER_ITEM + 2, "ann")
    store.create(created, Decider(CONFIG).config)
    while (found := job.run(created.job_id, ports, remaining_millis=lambda: 0)) and found.state == "queued":
        assert coordinator.pop() == created.job_id  # one page of the event log per invocation, then hand on
    assert found is not None and (found.total, found.more, found.parts) == (4 * IDS_PER_ITEM + 2, True, 5)
    assert [i for n in range(5) for i in store.ids(created.job_id, n)] == ids[:4 * IDS_PER_ITEM + 2]
    assert [t.part for t in gateway.invocations.queue] == list(range(FAN_OUT))
