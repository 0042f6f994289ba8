"""Alarms to an encrypted SNS topic (e-mail subscription) and one dashboard."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mailgate.stats.metrics import BYTES, DETECTION_METRICS, LATENCY, TRAFFIC_METRICS
from mailgate_infra import names

_AUTHENTICATION = ("Spf", "Dkim", "Dmarc")
# the graphs of the per-message metrics (mailgate.stats.metrics): threats, authentication results, scanner errors
THREAT_METRICS = tuple(m for m in DETECTION_METRICS if not m.endswith("Error") and not m.startswith(_AUTHENTICATION))
AUTHENTICATION_METRICS = tuple(m for m in DETECTION_METRICS if m.startswith(_AUTHENTICATION)
                               and not m.endswith(("Error", "None", "Neutral")))
SCANNER_ERROR_METRICS = tuple(m for m in DETECTION_METRICS if m.endswith("Error"))


class Monitoring(Construct):
    """DLQ depth (any message is a lost hand-off), errors, throttles, delivery failures, signature age."""

    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, alarm_email: str | None,
                 dlqs: dict[str, sqs.IQueue], functions: dict[str, lambda_.IFunction]) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(self, "Alarms", master_key=key, enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(alarm_email))
        self.alarms: list[cw.Alarm] = []
        for name, dlq in dlqs.items():
            self._alarm(f"{name}DlqNotEmpty", dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"), 0, f"messages in the {name} dead-letter queue")
        for name, fn in functions.items():
            self._alarm(f"{name}Errors", fn.metric_errors(period=Duration.minutes(5)), 0, f"{name} errors")
            self._alarm(f"{name}Throttles", fn.metric_throttles(period=Duration.minutes(5)), 0,
                        f"{name} throttled")
        delivery_failed = cw.Metric(namespace=names.METRICS_NAMESPACE, metric_name=names.DELIVERY_FAILED_METRIC,
                                    dimensions_map={"service": f"{names.SERVICE_NAME}-rules"},
                                    statistic="Sum", period=Duration.minutes(5))
        self._alarm("DeliveryFailed", delivery_failed, 0, "deliveries failed after all attempts")
        signature_age = cw.Metric(namespace=names.METRICS_NAMESPACE, metric_name=names.SIGNATURE_AGE_METRIC,
                                  statistic="Maximum", period=Duration.hours(1))
        self._alarm("SignaturesStale", signature_age, 24, "ClamAV signatures older than a day",
                    missing=cw.TreatMissingData.BREACHING)
        engine_down = cw.Metric(namespace=names.METRICS_NAMESPACE, metric_name=names.ENGINE_UNAVAILABLE_METRIC,
                                dimensions_map={"service": f"{names.SERVICE_NAME}-scan"},
                                statistic="Sum", period=Duration.minutes(5))
        self._alarm("AntivirusEngineUnavailable", engine_down, 0,
                    "clamd did not answer: messages are held in Backup with the Anti-Virus verdict error")
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=None)
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Messages", left=_message_metrics(TRAFFIC_METRICS), width=12),
            cw.GraphWidget(title="Delivery latency (receipt to delivery) / bytes received",
                           left=[_message_metric(LATENCY, "p50"), _message_metric(LATENCY, "p95")],
                           right=[_message_metric(BYTES)], width=12),
            cw.GraphWidget(title="Threats detected", left=_message_metrics(THREAT_METRICS), width=8),
            cw.GraphWidget(title="Authentication failures (SPF, DKIM, DMARC)",
                           left=_message_metrics(AUTHENTICATION_METRICS), width=8),
            cw.GraphWidget(title="Scanner errors", left=_message_metrics(SCANNER_ERROR_METRICS), width=8),
            cw.GraphWidget(title="Invocations", left=[f.metric_invocations() for f in functions.values()]),
            cw.GraphWidget(title="Errors", left=[f.metric_errors() for f in functions.values()]),
            cw.GraphWidget(title="Duration p95", left=[f.metric_duration(statistic="p95")
                                                       for f in functions.values()]),
            cw.GraphWidget(title="Dead-letter queues",
                           left=[q.metric_approximate_number_of_messages_visible() for q in dlqs.values()]),
            cw.GraphWidget(title="Delivery failures, engine unavailable / signature age",
                           left=[delivery_failed, engine_down], right=[signature_age]),
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24))

    def _alarm(self, id: str, metric: cw.IMetric, threshold: float, description: str,
               missing: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING) -> None:
        alarm = cw.Alarm(self, id, metric=metric, threshold=threshold, evaluation_periods=1,
                         comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                         alarm_description=f"mailgate: {description}", treat_missing_data=missing)
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)


def _message_metric(name: str, statistic: str = "Sum") -> cw.Metric:
    """One of the rules step's per-message metrics (its only dimension: Powertools' service)."""
    return cw.Metric(namespace=names.METRICS_NAMESPACE, metric_name=name, statistic=statistic,
                     dimensions_map={"service": f"{names.SERVICE_NAME}-rules"}, period=Duration.minutes(5),
                     label=name if statistic == "Sum" else f"{name} {statistic}")


def _message_metrics(metric_names: tuple[str, ...]) -> list[cw.IMetric]:
    return [_message_metric(name) for name in metric_names]
