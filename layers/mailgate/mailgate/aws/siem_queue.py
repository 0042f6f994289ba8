"""The SIEM queue: the event log sends each append's events here (one SQS message per append, split only when
it would pass SQS's 256 KiB limit); the forwarder (mailgate.siem.forwarder) reads them.

Its client has short timeouts and few retries: the mail step waits for this send, and a SIEM queue that does
not answer must not hold mail back (the caller logs the failure and carries on).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from typing import Any

from mailgate.environment import Env
from mailgate.events.model import Event
from mailgate.siem.forwarder import encode_body

MAX_BODY = 250_000  # SQS takes 262,144 bytes per message


@cache
def _client(endpoint: str | None) -> Any:  # keyed by the endpoint: local mode's moto may move between runs
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    config = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.session.Session().client("sqs", config=config)


def reset() -> None:
    _client.cache_clear()


def bodies(events: Sequence[Event]) -> list[str]:
    """The message bodies for one append: one, or halves until each fits."""
    body = encode_body(events)
    if len(body.encode()) <= MAX_BODY or len(events) <= 1:
        return [body]  # one event is bounded by the event log's own caps (safe_text.bounded_record)
    half = len(events) // 2
    return bodies(events[:half]) + bodies(events[half:])


class SiemQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = sqs

    @classmethod
    def from_env(cls) -> SiemQueue | None:
        url = os.environ.get(Env.SIEM_QUEUE_URL, "")
        return cls(url) if url else None

    def send(self, events: Sequence[Event]) -> int:
        """Send the events; the number of SQS messages it took."""
        if not events:
            return 0
        sqs = self._sqs or _client(os.environ.get("AWS_ENDPOINT_URL"))
        sent = 0
        for body in bodies(events):
            sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
            sent += 1
        return sent


def ca_pem(secret_name: str) -> str:
    from mailgate.aws.clients import client  # noqa: PLC0415

    return str(client("secretsmanager").get_secret_value(SecretId=secret_name)["SecretString"])
