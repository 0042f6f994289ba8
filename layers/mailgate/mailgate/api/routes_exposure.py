"""Retroactive exposure search: every message of the retention window that carried a URL, domain, attachment hash,
sender or sender domain, with each recipient's fate and the message's Backup entries; its export; and the actions
on it (docs/exposure.md). The answer for one indicator reads one partition of the exposure index (Query), then the
event log's partition of each message it names (the page's `limit` bounds those reads).

Subject patterns are not searched here: a substring is not an index key, and `/events?subject=` already reads the
event log's day partitions of a bounded range for it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailgate.api.errors import BadRequest
from mailgate.api.export import _safe
from mailgate.api.guard import acting, endpoint, principal
from mailgate.api.ports import Ports
from mailgate.api.roles import OPERATORS, READERS
from mailgate.api.schemas_exposure import ExposureActions, ExposureActionsAnswer, ExposureSearch, IndicatorKind
from mailgate.api.timerange import time_range
from mailgate.errors import RequestError
from mailgate.events import model as ev
from mailgate.exposure import actions as act
from mailgate.exposure.fates import Exposed, exposed
from mailgate.exposure.indicators import Indicator, normalise

EXPORT_MAX = 1000  # messages per export or action request; page with `cursor` for more
ACTIONS_MAX = 1000
APPLICATION_EXPOSURE = "application:exposure"  # the event log's "message id" for the actions' own records
CSV_COLUMNS = ("received_at", "message_id", "sender", "subject", "recipient", "state", "at", "action", "backup_ids")
Value = Annotated[str, Query(min_length=1, max_length=4096, description="the URL, domain, sha256, address or domain")]
Start = Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40,
                                    description="default: the event retention before `to`")]
End = Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)]
Cursor = Annotated[str | None, Query(max_length=4096)]
EXPORT_CONTENT = {"text/csv": {"schema": {"type": "string", "description": f"a header row: {', '.join(CSV_COLUMNS)}"}},
                  "application/json": {"model": ExposureSearch}}


class Unavailable(RequestError):
    http_status = 503
    error_code = "unavailable"


def _default_exposure() -> act.ExposurePorts | None:
    from mailgate.wiring.exposure import exposure_ports  # noqa: PLC0415 - built on first use, as the api's ports

    return exposure_ports()


def _document(item: Exposed) -> dict[str, Any]:
    hit = item.hit
    return {"message_id": hit.message_id, "received_at": hit.received_at, "sender": hit.sender,
            "subject": hit.subject, "recipients": list(hit.recipients), "recipients_count": hit.recipients_count,
            "fates": [{"recipient": f.recipient, "state": f.state, "at": f.at, "summary": f.summary,
                       "action": f.action} for f in item.fates],
            "backup": [{"backup_id": b.backup_id, "present": b.present, "held_by": b.held_by,
                        "created_at": b.created_at, "released_to": list(b.released_to), "reason": b.reason}
                       for b in item.backup],
            "events": item.events}


def _csv(found: list[Exposed]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in found:
        ids = " ".join(b.backup_id for b in item.backup)
        for fate in item.fates:
            row = (item.hit.received_at, item.hit.message_id, item.hit.sender, item.hit.subject, fate.recipient,
                   fate.state, fate.at, fate.action, ids)
            writer.writerow([_safe(str(v)) for v in row])
    return out.getvalue()


def exposure_router(ports: Ports, exposure: Callable[[], act.ExposurePorts | None] | None = None) -> Router:
    router = Router()  # type: ignore[no-untyped-call]
    made = exposure or _default_exposure

    def needed() -> act.ExposurePorts:
        found = made()
        if found is None:
            raise Unavailable("this deployment has no events table to keep the exposure index in")
        return found

    def indicator(kind: IndicatorKind, value: str) -> Indicator:
        normal = normalise(kind, value)
        if not normal:
            raise BadRequest(f"value: {value[:100]!r} is not a {kind.replace('_', ' ')}", field="value")
        return Indicator(kind, normal)

    def window(start: str | None, end: str | None) -> tuple[str, str]:
        days = ports.config().event_retention_days
        return time_range(start, end, timedelta(days=days), timedelta(days=days + 1))

    def search(wanted: Indicator, start: str | None, end: str | None, limit: int,
               cursor: str | None) -> tuple[list[Exposed], str | None]:
        first, last = window(start, end)
        index, events, backup = needed().index, ports.events(), ports.backup()
        found: list[Exposed] = []
        while True:
            page = index.search(wanted, first, last, min(limit - len(found), 200), cursor)
            found += [exposed(hit, events.for_message(hit.message_id), backup.get) for hit in page.hits]
            cursor = page.next_token
            if cursor is None or len(found) >= limit:
                return found, cursor

    @endpoint(router, "GET", "/exposure", READERS, errors=(400, 503), tags=["exposure"])
    def search_exposure(kind: Annotated[IndicatorKind, Query()], value: Value, start: Start = None, end: End = None,
                        cursor: Cursor = None, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ExposureSearch:
        """The messages that carried the indicator, newest first, each recipient's fate and the Backup entries."""
        wanted = indicator(kind, value)
        found, next_cursor = search(wanted, start, end, limit, cursor)
        return ExposureSearch.model_validate({"kind": kind, "value": wanted.value, "next_cursor": next_cursor,
                                              "messages": [_document(item) for item in found]})

    @endpoint(router, "GET", "/exposure/export", READERS, errors=(400, 503), tags=["exposure"],
              success=EXPORT_CONTENT)
    def export_exposure(kind: Annotated[IndicatorKind, Query()], value: Value, start: Start = None, end: End = None,
                        fmt: Annotated[str, Query(alias="format", pattern="^(csv|json)$")] = "csv",
                        cursor: Cursor = None) -> Response[str]:
        """The same search as one CSV (a row per recipient) or JSON file of at most 1000 messages; X-Next-Cursor
        continues."""
        wanted = indicator(kind, value)
        found, next_cursor = search(wanted, start, end, EXPORT_MAX, cursor)
        headers = {"Content-Disposition": f'attachment; filename="exposure.{fmt}"'}
        if next_cursor:
            headers["X-Next-Cursor"] = next_cursor
        if fmt == "csv":
            return Response(200, "text/csv; charset=utf-8", _csv(found), headers)
        text = json.dumps({"kind": kind, "value": wanted.value, "next_cursor": next_cursor,
                           "messages": [_document(item) for item in found]})
        return Response(200, "application/json", text, headers)

    @endpoint(router, "POST", "/exposure/actions", OPERATORS, errors=(400, 409, 503), tags=["exposure"])
    def act_on_exposure(request: ExposureActions) -> ExposureActionsAnswer:
        """Act on what a search finds: the URL or deny list (audited settings changes), notices, the quarantine."""
        wanted = indicator(request.kind, request.value)
        ports_now = needed().actions
        if ports_now is None:
            raise Unavailable("the exposure actions need the mail bucket, which this deployment does not have")
        found, _rest = search(wanted, request.start, request.end, ACTIONS_MAX, None)
        actor = acting(router, "POST /exposure/actions")
        who = principal(router).who
        outcomes: list[act.Outcome] = []
        for name in dict.fromkeys(request.actions):
            outcomes.append(_run(name, ports_now, wanted, found, actor, who, ports))
        return ExposureActionsAnswer.model_validate({
            "kind": request.kind, "value": wanted.value, "messages": len(found),
            "outcomes": [{"action": o.action, "done": o.done, "detail": o.detail, "count": o.count}
                         for o in outcomes]})

    return router


def _run(name: str, ports_now: act.ActionPorts, wanted: Indicator, found: list[Exposed], actor: Any, who: str,
         ports: Ports) -> act.Outcome:
    if name == "add_to_url_list":
        return act.add_to_url_list(ports_now, wanted, actor)
    if name == "add_to_deny_list":
        return act.add_to_deny_list(ports_now, wanted, actor)
    if name == "hold_in_flight":
        return act.hold_in_flight(ports_now, found, wanted, actor)
    if name == "notify_administrators":
        outcome = act.notify_administrators(ports_now, wanted, found, who)
    else:
        def log(item: Exposed, told: tuple[str, ...]) -> None:
            ports.events().append([ev.Event(item.hit.message_id, ev.NOTIFIED,
                                            f"recipients told the message is dangerous (exposure search by {who})",
                                            ", ".join(told), detail={"kind": wanted.kind, "value": wanted.value[:500]},
                                            sender=item.hit.sender, subject=item.hit.subject)])

        outcome = act.notify_recipients(ports_now, wanted, found, log)
    ports.events().append([ev.Event(APPLICATION_EXPOSURE, ev.NOTIFIED, f"{name} by {who}: {outcome.detail}"[:500],
                                    detail={"kind": wanted.kind, "value": wanted.value[:500], "action": name,
                                            "count": outcome.count, "actor": who})])
    return outcome
