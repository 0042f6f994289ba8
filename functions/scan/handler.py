"""Lambda `scan`: an SES receipt (S3 action → SNS → SQS, or another known shape) → ScanReport → `rules`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from mailgate.environment import METRICS_NAMESPACE, Metric, require
from mailgate.handlers import is_sqs_event, process_sqs_batch
from mailgate.scan.inbound import parse_inbound_event
from mailgate.tracing import function_tracer
from mailgate.wiring import scan as wiring
from mailgate.wiring.process import config, settings

require("scan")  # a missing variable stops the cold start, not the first call

logger = Logger(service="mailgate-scan")
tracer = function_tracer("mailgate-scan")
# the EngineUnavailable alarm reads this
metrics = Metrics(namespace=METRICS_NAMESPACE, service="mailgate-scan")

service = wiring.service  # built once per process and configuration (bench/ measures its cold start)


def _scan_all(event: dict[str, Any], attempt: int) -> None:
    wiring.refresh_antivirus()
    s = settings()
    for inbound in parse_inbound_event(event, s.mail_bucket, s.incoming_prefix):
        logger.set_correlation_id(inbound.message_id)  # the gateway's message id on every log line
        tracer.put_annotation(key="message_id", value=inbound.message_id)
        handoff = service().handle(inbound, attempt)
        if down := service().unavailable_engines:
            metrics.add_metric(name=Metric.ENGINE_UNAVAILABLE, unit=MetricUnit.Count, value=len(down))
        logger.info("scanned", message_id=inbound.message_id, handed_off=handoff is not None)


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if is_sqs_event(event):
        def work(record: SQSRecord, attempt: int) -> None:
            _scan_all({"Records": [record.raw_event]}, attempt)

        return process_sqs_batch(event, context, work, config().delivery.retry_delay)
    # Direct invocations (SNS, S3, SES Lambda action) have no redelivery count: treat as the last try,
    # so a failure still ends in Backup rather than depending on Lambda's own async retries.
    _scan_all(event, config().delivery.max_attempts)
    return {"status": "ok"}
