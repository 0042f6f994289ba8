"""Replay: proposed settings run over the stored scan reports of a time range, without any side effect, as an
asynchronous job whose progress and paged differences are read back (docs/replay.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from mailgate.api.errors import ApiError, BadRequest, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.ports import Ports
from mailgate.api.responses import Answer
from mailgate.api.roles import OPERATORS
from mailgate.api.schemas import ImportDocument
from mailgate.api.timerange import time_range
from mailgate.aws import dynamo
from mailgate.config import GatewayConfig
from mailgate.errors import InvalidPageToken

DEFAULT_RANGE = timedelta(days=1)
LONGEST_RANGE = timedelta(days=90)  # the event log's longest retention
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class Unavailable(ApiError):
    http_status = 503
    error_code = "replay_unavailable"


SectionsDocument = Annotated[dict[str, Any], WithJsonSchema({
    "type": "object", "additionalProperties": False,
    "description": "top-level settings sections, each replacing the live one whole, in the shape GET "
                   "/settings/export writes it (validated as POST /settings/import validates a document)",
    "properties": {name: {"description": f"the `{name}` section"} for name in GatewayConfig.__struct_encode_fields__}})]


class Proposal(BaseModel):
    """Exactly one of `document` (every setting, as GET /settings/export writes it) and `sections` (the live
    settings with these top-level sections replaced whole: `rules`, `lists`, `content_filter`, ...)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    document: ImportDocument | None = Field(default=None, description="a whole settings document, as exported")
    sections: SectionsDocument | None = Field(default=None, description="settings sections replaced whole, "
                                              "e.g. {\"rules\": <the `settings` of GET /settings/rules>}")

    @model_validator(mode="after")
    def one_source(self) -> Proposal:
        if (self.document is None) == (self.sections is None):
            raise ValueError("give exactly one of document and sections")
        return self


class ReplayRequest(Proposal):
    start: str | None = Field(default=None, alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40,
                              description="messages received from (default: a day before `to`)")
    end: str | None = Field(default=None, alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40,
                            description="up to, exclusive (default: now)")
    limit: int = Field(default=1000, ge=1, le=100_000,  # replay.job.MAX_MESSAGES
                       description="messages decided at most; `more` says when the range had more")


class LiveProposed(Answer):
    live: int = Field(description="changed recipients whose live decision had this name")
    proposed: int = Field(description="changed recipients whose proposed decision has it")


class Counts(Answer):
    """Over every message compared; the `by_*` counts and `transitions` over the recipients whose decision
    changes. `would_hold`: delivered today, held, rejected or deleted by the proposal; `would_release`: the reverse."""

    messages: int
    recipients: int
    changed_messages: int
    changed_recipients: int
    action_changed: int
    would_hold: int
    would_release: int
    missing_reports: int = Field(description="messages whose scan report is gone (retention): not compared")
    missing_originals: int = Field(description="messages whose original is gone, when the proposal changes Content "
                                   "Filtering: compared with their stored Content Filtering result")
    transitions: dict[str, int] = Field(description="\"deliver→delete\" → recipients")
    by_rule: dict[str, LiveProposed]
    by_module: dict[str, LiveProposed]
    by_verdict_class: dict[str, LiveProposed]
    summary: str = Field(description="the counts in one sentence")


class SideView(Answer):
    action: str
    rule: str
    backup: bool = False
    module: str | None = None
    verdict_class: str | None = None


class RecipientChangeView(Answer):
    recipient: str
    live: SideView
    proposed: SideView


class MessageDiffView(Answer):
    message_id: str
    recipients: int = Field(description="recipients compared")
    changed_count: int
    changed: list[RecipientChangeView] = Field(description="the recipients whose decision changes (at most 100)")
    sender: str
    at: str


class ReplayJobView(Answer):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"additionalProperties": False})
    job_id: str
    state: str = Field(description="queued, running, done or failed")
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    limit: int
    total: int = Field(description="messages the job decides: those received in the range, at most `limit`")
    done: int
    more: bool = Field(description="the range had more messages than `limit`")
    created_at: str
    created_by: str
    finished_at: str | None = None
    error: str | None = None
    counts: Counts
    results: str = Field(description="where the per-message differences are read")


class ReplayResults(Answer):
    items: list[MessageDiffView] = Field(description="messages whose decision changes")
    next_cursor: str | None


def view(job: Any) -> ReplayJobView:
    return ReplayJobView.model_validate({
        "job_id": job.job_id, "state": job.state, "from": job.start, "to": job.end, "limit": job.limit,
        "total": job.total, "done": job.done, "more": job.more, "created_at": job.created_at,
        "created_by": job.created_by, "finished_at": job.finished_at, "error": job.error,
        "counts": job.tally.to_dict(), "results": f"/replays/{job.job_id}/results"})


def replay_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def replays() -> Any:
        found = ports.replays()
        if found is None:
            raise Unavailable("no events table is configured for this gateway: replays cannot be kept")
        return found

    @endpoint(router, "POST", "/replays", OPERATORS, status=202, errors=(400, 503), tags=["replay"])
    def start_replay(request: ReplayRequest) -> ReplayJobView:
        """Decide the messages received in the range again under proposed settings, beside the live ones, with
        no side effect: 202 with the job, whose progress `GET /replays/{job_id}` reads."""
        from mailgate.replay.job import new_job  # noqa: PLC0415 - the engine loads when a replay is asked for
        from mailgate.replay.proposal import proposed_config  # noqa: PLC0415

        first, last = time_range(request.start, request.end, DEFAULT_RANGE, LONGEST_RANGE)
        found = replays()
        proposed = proposed_config(ports.config(), request.document, request.sections)
        job = new_job(first, last, request.limit, principal(router).username)
        found.store.create(job, proposed)
        try:
            found.start(job.job_id)
        except Exception as exc:  # e.g. the function may not invoke itself: the job says so, and so does the answer
            job.state, job.error = "failed", f"not started: {type(exc).__name__}: {exc}"[:500]
            found.store.save(job)
            raise Unavailable(f"the replay could not be started ({job.error}): see docs/replay.md") from None
        return view(job)

    @endpoint(router, "GET", "/replays/<job_id>", OPERATORS, errors=(404, 503), tags=["replay"])
    def get_replay(job_id: JobId) -> ReplayJobView:
        """A replay's state, progress (`done` of `total` messages) and counts so far."""
        from mailgate.replay.job import current  # noqa: PLC0415

        job = current(replays().store, job_id)
        if job is None:
            raise NotFound(f"no replay {job_id} (a replay is kept a week)")
        return view(job)

    @endpoint(router, "GET", "/replays/<job_id>/results", OPERATORS, errors=(400, 404, 503), tags=["replay"])
    def get_replay_results(
        job_id: JobId,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> ReplayResults:
        """The messages whose decision changes, in the order they were decided, a page at a time."""
        from mailgate.replay.job import results  # noqa: PLC0415

        found = replays()
        job = found.store.get(job_id)
        if job is None:
            raise NotFound(f"no replay {job_id} (a replay is kept a week)")
        start = (0, 0)
        if cursor:
            try:
                state = dynamo.decode_token(cursor)
            except InvalidPageToken:
                raise BadRequest("invalid cursor", field="cursor") from None
            if not (isinstance(state, list) and len(state) == 2 and all(isinstance(n, int) and n >= 0
                                                                        for n in state)):
                raise BadRequest("invalid cursor", field="cursor")
            start = (state[0], state[1])
        items, following = results(found.store, job, start, limit)
        following_cursor = dynamo.encode_token(list(following)) if following else None
        return ReplayResults.model_validate({"items": [d.to_dict() for d in items], "next_cursor": following_cursor})

    return router
