"""The SIEM forwarder in the api function: SQS records from the SIEM queue → the collector (docs/siem.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from mailgate.siem import syslog
from mailgate.siem.forwarder import Formatter, forward, is_sqs_event
from mailgate.siem.settings import SiemSettings

__all__ = ["forward_records", "is_sqs_event"]


@cache
def _collector(settings: SiemSettings) -> tuple[SiemSettings, syslog.Collector]:
    pem: str | None = None
    if settings.ca_file:
        pem = Path(settings.ca_file).read_text()
    elif settings.ca_secret:
        from mailgate.aws.siem_queue import ca_pem  # noqa: PLC0415

        pem = ca_pem(settings.ca_secret)
    return settings, syslog.Collector(settings.host, settings.port, settings.protocol, pem)


def reset() -> None:
    _collector.cache_clear()


def forward_records(event: dict[str, Any]) -> dict[str, Any]:
    settings, collector = _collector(SiemSettings.from_env())  # the CA is read once per setting
    records = list(event["Records"])
    if not settings.enabled or not settings.host:  # the export is off: the queue keeps them until it is on again
        return {"batchItemFailures": [{"itemIdentifier": str(r.get("messageId", ""))} for r in records]}
    return forward(records, Formatter(format=settings.format),
                   lambda messages: syslog.send(collector, messages))
