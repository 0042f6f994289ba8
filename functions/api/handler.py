"""Lambda `api`: the admin API. A read-only start: health, a message's events, events by time, Backup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailgate import __version__, runtime
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog

logger = Logger(service="mailgate-api")
app = APIGatewayRestResolver(enable_validation=True)


@cache
def events() -> DynamoEventLog:
    return runtime.event_log(runtime.settings(), runtime.config())


@cache
def backup_index() -> DynamoBackupIndex:
    return DynamoBackupIndex(runtime.settings().backup_table, runtime.config().backup_retention_days)


@app.exception_handler(ValueError)
def bad_request(error: ValueError) -> Response[dict[str, str]]:
    """Malformed input we only notice past validation (a forged page token, a bad date)."""
    return Response(status_code=400, content_type=content_types.APPLICATION_JSON,
                    body={"error": "bad_request", "message": str(error)})


@app.get("/health")
def health() -> dict[str, Any]:
    cfg = runtime.config()
    return {"status": "ok", "version": __version__, "authserv_id": cfg.authserv_id,
            "accepted_domains": sorted(cfg.domains)}


@app.get("/messages/<message_id>/events")
def message_events(message_id: str) -> dict[str, Any]:
    found = events().for_message(message_id)
    if not found:
        raise NotFoundError(f"no events for message {message_id}")
    return {"message_id": message_id, "events": [e.to_dict() for e in found]}


def _iso(value: str | None, default: datetime) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else default
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@app.get("/events")
def events_between(
    start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}")] = None,
    end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    token: Annotated[str | None, Query(max_length=4096)] = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    page = events().between(_iso(start, now - timedelta(hours=24)), _iso(end, now + timedelta(seconds=1)),
                            limit, token)
    return {"events": [e.to_dict() for e in page.events], "next_token": page.next_token}


@app.get("/backup")
def backup_list(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    token: Annotated[str | None, Query(max_length=4096)] = None,
) -> dict[str, Any]:
    records, next_token = backup_index().recent(limit, token)
    return {"items": [r.to_dict() for r in records], "next_token": next_token}


@app.get("/backup/<backup_id>")
def backup_item(backup_id: str) -> dict[str, Any]:
    record = backup_index().get(backup_id)
    if record is None:
        raise NotFoundError(f"no Backup entry {backup_id}")
    return record.to_dict()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
