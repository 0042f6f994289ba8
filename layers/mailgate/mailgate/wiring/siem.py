"""The SIEM forwarder in the api function: SQS records from the SIEM queue → the destination the settings name
(a syslog collector, a Firehose stream or an EventBridge bus; docs/siem.md)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from mailgate.siem import syslog
from mailgate.siem.forwarder import Formatter, Send, forward, is_sqs_event
from mailgate.siem.settings import SiemSettings

__all__ = ["forward_records", "is_sqs_event"]


def _collector(settings: SiemSettings) -> syslog.Collector:
    pem: str | None = None
    if settings.ca_file:
        pem = Path(settings.ca_file).read_text()
    elif settings.ca_secret:
        from mailgate.aws.siem_queue import ca_pem  # noqa: PLC0415

        pem = ca_pem(settings.ca_secret)
    return syslog.Collector(settings.host, settings.port, settings.protocol, pem)


@cache
def _route(settings: SiemSettings) -> tuple[Formatter, Send]:
    """The formatter and sender of a destination; built once per setting (the CA is read once)."""
    if settings.destination == "firehose":
        from mailgate.aws import siem_firehose  # noqa: PLC0415

        formatter = Formatter(format=settings.format, framing="line", limit=siem_firehose.MAX_MESSAGE)
        return formatter, siem_firehose.FirehoseSender(settings.firehose_stream).send
    if settings.destination == "eventbridge":
        from mailgate.aws import siem_eventbridge  # noqa: PLC0415

        formatter = Formatter(format="json", framing="line", limit=siem_eventbridge.MAX_MESSAGE)
        return formatter, siem_eventbridge.EventBridgeSender(settings.event_bus).send
    collector = _collector(settings)

    def send(messages: Sequence[bytes]) -> None:
        syslog.send(collector, messages)

    return Formatter(format=settings.format), send


def reset() -> None:
    _route.cache_clear()


def forward_records(event: dict[str, Any]) -> dict[str, Any]:
    settings = SiemSettings.from_env()
    records = list(event["Records"])
    if not settings.active:  # the export is off: the queue keeps them until it is on again
        return {"batchItemFailures": [{"itemIdentifier": str(r.get("messageId", ""))} for r in records]}
    formatter, send = _route(settings)
    return forward(records, formatter, send)
