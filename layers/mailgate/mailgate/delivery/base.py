"""The delivery port: what any deliverer (SMTP relay, SES) promises and reports back.

A route's kind picks the deliverer; the rules step only sees this shape, so it treats a relay to the
organisation's mail server and an SES send the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one delivery: which recipients the destination took, and which it refused how.

    A message counts as delivered for the `accepted` recipients. `refused` maps each other recipient
    to the (code, text) its refusal came with: codes >= 500 are bounced, the others retried.
    """

    host: str
    port: int
    tls: bool
    accepted: tuple[str, ...]
    refused: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    reply: str = ""  # the destination's last word, e.g. "250 2.0.0 Ok: queued as 4XyZ"
    queue_id: str | None = None  # the destination's id for the message (SES MessageId, "queued as")

    @property
    def permanent(self) -> dict[str, tuple[int, str]]:
        return {r: f for r, f in self.refused.items() if f[0] >= 500}

    @property
    def temporary(self) -> dict[str, tuple[int, str]]:
        return {r: f for r, f in self.refused.items() if f[0] < 500}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form for the event log."""
        return {
            "host": self.host, "port": self.port, "tls": self.tls, "accepted": list(self.accepted),
            "refused": {r: [code, text] for r, (code, text) in self.refused.items()},
            "reply": self.reply, "queue_id": self.queue_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeliveryResult:
        """Back from `to_dict`, e.g. a delivery recorded before the worker that made it died."""
        refused = {str(r): (int(f[0]), str(f[1])) for r, f in dict(data.get("refused") or {}).items()}
        queue_id = data.get("queue_id")
        return cls(host=str(data["host"]), port=int(data["port"]), tls=bool(data["tls"]),
                   accepted=tuple(str(r) for r in data.get("accepted") or ()), refused=refused,
                   reply=str(data.get("reply") or ""), queue_id=str(queue_id) if queue_id else None)


class Deliverer(Protocol):
    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        """Deliver `message` to `recipients`; mail_from "" is the null sender of a bounce.

        Raises TemporaryDeliveryError when nobody took it and everything may be retried,
        PermanentDeliveryError when every recipient was refused for good; otherwise reports each
        recipient's outcome in the result.
        """
        ...


def settle(result: DeliveryResult) -> DeliveryResult:
    """Turn a result where nobody accepted the message into the error its refusals call for.

    All temporary → TemporaryDeliveryError, all permanent → PermanentDeliveryError; a mix of the
    two (or any accepted recipient) stays a result, so the caller bounces some and retries others.
    """
    if result.accepted or not result.refused:
        return result
    permanent = [code >= 500 for code, _ in result.refused.values()]
    if any(permanent) and not all(permanent):
        return result
    code, text = next(iter(result.refused.values()))
    every = len(result.refused)
    if all(permanent):
        raise PermanentDeliveryError(f"refused the message for all {every} recipient(s)", code=code,
                                     server_text=text, host=result.host, port=result.port,
                                     refused=result.refused)
    raise TemporaryDeliveryError(f"deferred the message for all {every} recipient(s)", code=code,
                                 server_text=text, host=result.host, port=result.port,
                                 refused=result.refused)
