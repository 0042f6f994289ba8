"""The SIEM export (docs/siem.md): the SIEM queue and its DLQ, the functions that write events allowed to send to
it, and the api function as its consumer (an SQS event source reporting partial batch failures) with the
collector's settings. Only when the construct's `siem` prop is set."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from mailgate.environment import Env
from mailgate_infra.ingress import queue_with_dlq

PROTOCOLS = ("tls", "tcp", "udp")
FORMATS = ("cef", "json")
VISIBILITY = Duration.minutes(2)  # at least the api function's timeout (29 s), with room for a slow collector
RETRY_HOURS = 2  # redeliveries before the DLQ: a collector down for an hour loses nothing


@dataclass(frozen=True)
class SiemTarget:
    """The collector: host, port, protocol (tls | tcp | udp), format (cef | json), and for TLS the name of a
    Secrets Manager secret holding the CA's PEM to trust (None: the system's CAs)."""

    host: str
    port: int = 6514
    protocol: str = "tls"
    format: str = "cef"
    ca_secret_name: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS or self.format not in FORMATS or not self.host or not 0 < self.port < 65536:
            raise ValueError(f"siem: a host, a port, protocol one of {PROTOCOLS}, format one of {FORMATS}")


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
        for name, value in ((Env.SIEM_HOST, target.host), (Env.SIEM_PORT, str(target.port)),
                            (Env.SIEM_PROTOCOL, target.protocol), (Env.SIEM_FORMAT, target.format)):
            forwarder.add_environment(name, value)
        if target.ca_secret_name:
            forwarder.add_environment(Env.SIEM_CA_SECRET, target.ca_secret_name)
            secretsmanager.Secret.from_secret_name_v2(self, "Ca", target.ca_secret_name).grant_read(forwarder)
        forwarder.add_event_source(sources.SqsEventSource(
            self.queue, batch_size=10, max_batching_window=Duration.seconds(5), report_batch_item_failures=True))
