"""Lambda `rules`: a hand-off from `scan` → per-recipient decisions → delivery, bounce, Backup; and the admin
API's releases from Backup, which it invokes directly (this function holds the delivery secrets)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from mailgate.actions.outcome import Outcome, delivery_failures
from mailgate.environment import METRICS_NAMESPACE, RELEASE_KEY, SEND_KEY, Metric, require
from mailgate.handlers import is_sqs_event, process_sqs_batch
from mailgate.scan.handoff import HandOff
from mailgate.stats.metrics import publish_message
from mailgate.tracing import function_tracer
from mailgate.wiring import rules as wiring
from mailgate.wiring.process import config

require("rules")  # a missing variable stops the cold start, not the first call

logger = Logger(service="mailgate-rules")
tracer = function_tracer("mailgate-rules")
# the DeliveryFailed alarm reads this
metrics = Metrics(namespace=METRICS_NAMESPACE, service="mailgate-rules")

service = wiring.service  # built once per process and configuration (bench/ measures its cold start)


def _count(outcomes: list[Outcome], message_id: str) -> None:
    if failed := delivery_failures(outcomes):
        metrics.add_metric(name=Metric.DELIVERY_FAILED, unit=MetricUnit.Count, value=failed)
    # the dashboard's traffic and detection graphs: one EMF record per finished message (mailgate.stats.metrics)
    publish_message(service().ports.events, message_id, outcomes, METRICS_NAMESPACE, "mailgate-rules")


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if RELEASE_KEY in event:  # the admin API's release from Backup: delivered here, with the delivery secrets
        return wiring.release_order(event, context)
    if SEND_KEY in event:  # the gateway's own mail the admin API composed (the Backup digest)
        return wiring.send_own_mail(event)
    service().bind_invocation(context)
    if is_sqs_event(event):
        def work(record: SQSRecord, attempt: int) -> None:
            handoff = HandOff.from_dict(json.loads(record.body))
            logger.set_correlation_id(handoff.message_id)  # the gateway's message id on every log line
            tracer.put_annotation(key="message_id", value=handoff.message_id)
            outcomes = service().handle(handoff, attempt)
            _count(outcomes, handoff.message_id)
            logger.info("processed", message_id=handoff.message_id, outcomes=[o.status for o in outcomes])

        return process_sqs_batch(event, context, work, config().delivery.retry_delay)
    # A direct invocation (Lambda destination) carries the hand-off itself.
    handoff = HandOff.from_dict(event)
    outcomes = service().handle(handoff, config().delivery.max_attempts)
    _count(outcomes, handoff.message_id)
    return {"outcomes": [o.to_dict() for o in outcomes]}
