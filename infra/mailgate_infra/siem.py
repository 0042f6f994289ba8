"""The SIEM export (docs/siem.md): the SIEM queue and its DLQ, the functions that write events allowed to send to
it, and the api function as its consumer (an SQS event source reporting partial batch failures) with the
destination's settings: a syslog collector, or a Firehose stream / EventBridge bus it may put to and nothing else.
Only when the construct's `siem` prop is set."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from mailgate.environment import Env
from mailgate_infra.ingress import queue_with_dlq

PROTOCOLS = ("tls", "tcp", "udp")
FORMATS = ("cef", "json")
DESTINATIONS = ("syslog", "firehose", "eventbridge")
VISIBILITY = Duration.minutes(2)  # at least the api function's timeout (29 s), with room for a slow collector
RETRY_HOURS = 2  # redeliveries before the DLQ: a collector down for an hour loses nothing


@dataclass(frozen=True)
class SiemTarget:
    """Where events go. `syslog` (default): host, port, protocol (tls | tcp | udp), format (cef | json), and for TLS
    the name of a Secrets Manager secret holding the CA's PEM to trust (None: the system's CAs). `firehose`: the
    delivery stream's name in this account and region, and the format. `eventbridge`: the bus's name (this account
    and region) or ARN; the events are JSON. The stream or bus is yours: the construct only grants the put."""

    host: str = ""
    port: int = 6514
    protocol: str = "tls"
    format: str = "cef"
    ca_secret_name: str | None = None
    destination: str = "syslog"
    firehose_stream: str | None = None
    event_bus: str | None = None

    def __post_init__(self) -> None:
        if self.destination not in DESTINATIONS:
            raise ValueError(f"siem: destination one of {DESTINATIONS}, not {self.destination!r}")
        if self.format not in FORMATS:
            raise ValueError(f"siem: format one of {FORMATS}")
        if self.destination == "firehose" and not self.firehose_stream:
            raise ValueError("siem: destination firehose needs firehose_stream, the delivery stream's name")
        if self.destination == "eventbridge" and not self.event_bus:
            raise ValueError("siem: destination eventbridge needs event_bus, the bus's name or ARN")
        if self.destination == "syslog" and (
                self.protocol not in PROTOCOLS or not self.host or not 0 < self.port < 65536):
            raise ValueError(f"siem: a host, a port, protocol one of {PROTOCOLS}, format one of {FORMATS}")

    @classmethod
    def firehose(cls, stream: str, format: str = "json") -> SiemTarget:
        return cls(destination="firehose", firehose_stream=stream, format=format)

    @classmethod
    def eventbridge(cls, bus: str) -> SiemTarget:
        return cls(destination="eventbridge", event_bus=bus, format="json")

    def environment(self) -> dict[str, str]:
        """The forwarder's variables (mailgate.siem.settings reads them)."""
        if self.destination == "firehose":
            return {Env.SIEM_DESTINATION: "firehose", Env.SIEM_FIREHOSE_STREAM: str(self.firehose_stream),
                    Env.SIEM_FORMAT: self.format}
        if self.destination == "eventbridge":
            return {Env.SIEM_DESTINATION: "eventbridge", Env.SIEM_EVENT_BUS: str(self.event_bus)}
        return {Env.SIEM_HOST: self.host, Env.SIEM_PORT: str(self.port), Env.SIEM_PROTOCOL: self.protocol,
                Env.SIEM_FORMAT: self.format, **({Env.SIEM_CA_SECRET: self.ca_secret_name} if self.ca_secret_name
                                                 else {})}


def destination_grant(scope: Construct, target: SiemTarget) -> iam.PolicyStatement | None:
    """Exactly the put on exactly the stream or bus; None for syslog (a network path, not IAM)."""
    stack = Stack.of(scope)
    if target.destination == "firehose":
        arn = stack.format_arn(service="firehose", resource="deliverystream", resource_name=target.firehose_stream)
        return iam.PolicyStatement(sid="SiemFirehosePut", actions=["firehose:PutRecordBatch"], resources=[arn])
    if target.destination == "eventbridge":
        bus = str(target.event_bus)
        arn = bus if bus.startswith("arn:") else stack.format_arn(service="events", resource="event-bus",
                                                                  resource_name=bus)
        return iam.PolicyStatement(sid="SiemEventBridgePut", actions=["events:PutEvents"], resources=[arn])
    return None


def max_receive_count(visibility: Duration = VISIBILITY, hours: int = RETRY_HOURS) -> int:
    return max(3, hours * 3600 // int(visibility.to_seconds()))


class SiemExport(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, target: SiemTarget,
                 forwarder: lambda_.Function, writers: list[lambda_.Function]) -> None:
        super().__init__(scope, id)
        self.queue, self.dlq = queue_with_dlq(self, "Queue", key, VISIBILITY, max_receive_count())
        for function in (*writers, forwarder):
            self.queue.grant_send_messages(function)
            function.add_environment(Env.SIEM_QUEUE_URL, self.queue.queue_url)
        for name, value in target.environment().items():
            forwarder.add_environment(name, value)
        grant = destination_grant(self, target)
        if grant is not None:
            forwarder.add_to_role_policy(grant)
        if target.destination == "syslog" and target.ca_secret_name:
            secretsmanager.Secret.from_secret_name_v2(self, "Ca", target.ca_secret_name).grant_read(forwarder)
        forwarder.add_event_source(sources.SqsEventSource(
            self.queue, batch_size=10, max_batching_window=Duration.seconds(5), report_batch_item_failures=True))
