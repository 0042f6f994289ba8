"""The event log: one message's history, queries with filters, and exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailgate.api import export
from mailgate.api.errors import BadRequest, Forbidden, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.pagination import page
from mailgate.api.ports import Ports
from mailgate.api.responses import EventPage, MessageEvents
from mailgate.api.roles import ALL_ROLES, READERS, Principal
from mailgate.api.timerange import time_range
from mailgate.events.model import Event
from mailgate.events.query import EventFilter, ip_key

DEFAULT_RANGE = timedelta(hours=24)
LONGEST_RANGE = timedelta(days=93)  # a query reads only the day partitions of its range

Action = Literal["deliver", "reject", "delete", "delete_attachment"]
Kind = Literal["received", "scanned", "decision", "delivered", "deferred", "rejected", "bounced", "deleted",
               "backup", "error", "feedback", "parts_removed", "warning",
               "copied", "notified", "held", "backup_removed", "backup_downloaded", "released"]
Text = Annotated[str | None, Query(min_length=1, max_length=256)]
Cursor = Annotated[str | None, Query(max_length=4096)]
Verdict = Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")]
HeaderId = Annotated[str | None, Query(
    min_length=1, max_length=998,
    description="the message's own Message-ID header (angle brackets and case do not matter): every event of "
                "the messages received with it, narrowed by the other filters")]
SenderIp = Annotated[str | None, Query(
    min_length=2, max_length=64,
    description="the IPv4 or IPv6 address that handed the message to the gateway: selects `received` events")]
RuleName = Annotated[str | None, Query(
    min_length=1, max_length=256,
    description="a rule's name (case does not matter): selects the `decision` events that rule made")]
EXPORT_CONTENT = {"text/csv": {"schema": {"type": "string",
                                          "description": f"a header row: {', '.join(export.CSV_COLUMNS)}"}},
                  "application/json": {"model": EventPage}}


def _scope(who: Principal, where: EventFilter) -> EventFilter:
    """A personal user sees only events addressed to them."""
    if not who.is_personal_only:
        return where
    if not who.addresses:
        raise Forbidden("your account has no e-mail address, so no events are yours")
    return EventFilter(**{**where.__dict__, "recipients_any": who.addresses})


def _filter(sender: str | None, recipient: str | None, subject: str | None, verdict: str | None,
            action: str | None, kind: str | None, message_id: str | None, message_id_header: str | None,
            sender_ip: str | None, rule: str | None) -> EventFilter:
    if sender_ip is not None and not ip_key(sender_ip):
        raise BadRequest(f"sender_ip: {sender_ip!r} is not an IPv4 or IPv6 address", field="sender_ip")
    if message_id_header is not None and not message_id_header.strip().strip("<>").strip():
        raise BadRequest("message_id_header: give the Message-ID header's text, not only brackets or blanks",
                         field="message_id_header")
    return EventFilter(sender, recipient, subject, verdict, action, kind, message_id,
                       header_message_id=message_id_header, sender_ip=sender_ip, rule=rule)


def events_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def query(start: str | None, end: str | None, limit: int, cursor: str | None,
              where: EventFilter) -> tuple[list[Event], str | None]:
        first, last = time_range(start, end, DEFAULT_RANGE, LONGEST_RANGE)
        found = ports.events().between(first, last, limit, cursor, _scope(principal(router), where))
        return list(found.events), found.next_token

    @endpoint(router, "GET", "/messages/<message_id>/events", READERS, errors=(404,), tags=["event log"])
    def get_message_events(message_id: str) -> MessageEvents:
        """Every event of one message, oldest first."""
        found = ports.events().for_message(message_id)
        if not found:
            raise NotFound(f"no events for message {message_id}")
        return MessageEvents.model_validate({"message_id": message_id, "events": [e.to_dict() for e in found]})

    @endpoint(router, "GET", "/events", ALL_ROLES, errors=(400,), tags=["event log"])
    def list_events(
        start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Cursor = None,
        sender: Text = None, recipient: Text = None, subject: Text = None, verdict: Verdict = None,
        action: Annotated[Action | None, Query()] = None, kind: Annotated[Kind | None, Query()] = None,
        message_id: Text = None, message_id_header: HeaderId = None, sender_ip: SenderIp = None,
        rule: RuleName = None,
    ) -> EventPage:
        """Events in a time range, oldest first, filtered; a personal user sees only their own."""
        where = _filter(sender, recipient, subject, verdict, action, kind, message_id, message_id_header,
                        sender_ip, rule)
        events, next_cursor = query(start, end, limit, cursor, where)
        return EventPage.model_validate(page([e.to_dict() for e in events], next_cursor, key="events"))

    @endpoint(router, "GET", "/events/export", READERS, errors=(400,), tags=["event log"], success=EXPORT_CONTENT)
    def export_events(
        start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        fmt: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
        limit: Annotated[int, Query(ge=1, le=export.EXPORT_MAX)] = export.EXPORT_MAX,
        cursor: Cursor = None,
        sender: Text = None, recipient: Text = None, subject: Text = None, verdict: Verdict = None,
        action: Annotated[Action | None, Query()] = None, kind: Annotated[Kind | None, Query()] = None,
        message_id: Text = None, message_id_header: HeaderId = None, sender_ip: SenderIp = None,
        rule: RuleName = None,
    ) -> Response[str]:
        """The same query as /events as a CSV or JSON file of at most 2000 events; X-Next-Cursor continues."""
        where = _filter(sender, recipient, subject, verdict, action, kind, message_id, message_id_header,
                        sender_ip, rule)
        events, next_cursor = query(start, end, limit, cursor, where)
        headers = {"Content-Disposition": f'attachment; filename="events.{fmt}"'}
        if next_cursor:
            headers["X-Next-Cursor"] = next_cursor
        if fmt == "csv":
            return Response(200, "text/csv; charset=utf-8", export.to_csv(events), headers)
        return Response(200, "application/json", export.to_json(events, next_cursor), headers)

    return router
