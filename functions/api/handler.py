"""Lambda `api`: the admin API and its scheduled jobs. Routes, roles and errors live in mailgate.api; this wires
the adapters."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from mailgate.api.app import create_app
from mailgate.environment import require
from mailgate.tracing import function_tracer
from mailgate.wiring import api as wiring
from mailgate.wiring import replay, siem

require("api")  # a missing variable stops the cold start, not the first call

logger = Logger(service="mailgate-api")
tracer = function_tracer("mailgate-api")

app = create_app(wiring.ports())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if wiring.JOB_KEY in event:  # a schedule's invocation (Backup's retention), not a request
        return wiring.run_job(str(event[wiring.JOB_KEY]))
    if replay.JOB_EVENT_KEY in event:  # a replay job carried on by this function's own invocation (docs/replay.md)
        return replay.run_job(event, context)
    if siem.is_sqs_event(event):  # a batch of the SIEM queue (docs/siem.md)
        return siem.forward_records(event)
    return app.resolve(event, context)
