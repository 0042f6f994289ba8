"""A large replay job fanned out: one worker per ids item, each with its own progress, result pages and tally.

A worker's item `replay#<job id>` / `tally#<n>` carries its part of the job (a `ReplayPart`) and a claim: the
turn that holds it and until when. Every invocation of a worker names its turn (`PartTicket`): the first is turn
0, a worker short of time hands on to turn + 1. An invocation first claims its turn with one conditional write;
a second delivery of the same invocation (Lambda may deliver an asynchronous event twice) finds the turn taken
and does nothing. The one exception is a turn whose holder is past its deadline with the part still running (the
invocation died: a timeout, a crash): Lambda's retry of it then takes the turn over and carries the part on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

from mailgate.replay.diff import Tally

FAN_OUT = 4  # workers of one job at once: the job's invocations of the api function are at most this many + 1

PartState = Literal["running", "done", "failed"]


class PartTicket(msgspec.Struct, frozen=True, kw_only=True):
    """What a worker invocation is asked to do: the job's ids item `part`, as the turn `turn`."""

    job_id: str
    part: int
    turn: int = 0


class ReplayPart(msgspec.Struct, kw_only=True):
    number: int  # the ids item the part decides
    state: PartState = "running"
    done: int = 0  # of the item's ids
    pages: int = 0  # result pages written: storage numbers number * pages_per_part(...) onwards
    error: str | None = None
    finished_at: str | None = None
    tally: Tally = msgspec.field(default_factory=Tally)


def pages_per_part(ids_per_item: int, chunk: int) -> int:
    """A part writes at most one page per chunk: its pages are numbered from number * this, so that every part's
    pages have their own numbers and the job's pages read in order are the parts' pages in order."""
    return -(-ids_per_item // chunk)


def next_part(number: int, parts: int) -> int | None:
    """Worker chains are strided: chain k decides items k, k + FAN_OUT, k + 2 * FAN_OUT, ... in turn, so that at
    most FAN_OUT run at once without a shared counter (the items are of equal size, so the chains are too)."""
    following = number + FAN_OUT
    return following if following < parts else None


def summed(parts: Iterable[ReplayPart]) -> Tally:
    total = Tally()
    for part in parts:
        total.merge(part.tally)
    return total
