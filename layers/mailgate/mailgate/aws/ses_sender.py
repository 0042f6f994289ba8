"""Sending raw mail through Amazon SES: bounces and routes of kind "ses" with v1 SendRawEmail (10 MB), and the
organisation's outbound mail with v2 SendEmail's raw content (`SesRawSender(api="v2")`), which takes messages up to
40 MB, as much as the ingress accepts, and the envelope recipients as Destination (Bcc included).

SES sends only from verified identities, which is why the SMTP relay is the default deliverer and
this one the fallback. The message goes out byte for byte as given (our headers, DKIM signature).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from mailgate.delivery.base import DeliveryResult, settle
from mailgate.delivery.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError

if TYPE_CHECKING:
    from types_boto3_ses.type_defs import RawMessageTypeDef

MAX_DESTINATIONS = 50  # SES's limit of recipients per SendRawEmail call
# Refusals the sender can do nothing about in this form: bounce. Everything else (throttling,
# paused sending, missing configuration, outages) is retried, and ends in Backup if it persists.
_PERMANENT = frozenset({"MessageRejected", "InvalidParameterValue"})
# SES answers over HTTPS, not SMTP; these stand in for its verdict in per-recipient results.
_TEMPORARY_CODE, _PERMANENT_CODE = 451, 554


def _error_from(exc: ClientError | BotoCoreError, host: str, port: int) -> DeliveryError:
    if isinstance(exc, BotoCoreError):  # no answer at all: endpoint unreachable, timed out
        return TemporaryDeliveryError(f"SES could not be reached: {exc}", host=host, port=port)
    error = exc.response.get("Error", {})
    code, text = str(error.get("Code", "Unknown")), str(error.get("Message", ""))
    if code in _PERMANENT:
        return PermanentDeliveryError(f"SES rejected the message ({code})", server_text=text,
                                      enhanced_status="5.7.1" if code == "MessageRejected" else "5.5.2",
                                      host=host, port=port)
    status = "4.3.2" if "Throttl" in code else None  # "system not accepting messages" for now
    return TemporaryDeliveryError(f"SES did not send the message ({code})", server_text=text,
                                  enhanced_status=status, host=host, port=port)


class SesRawSender:
    """A Deliverer over SES; `client` defaults to the process's shared SES (or SES v2) client, made on first use."""

    def __init__(self, client: Any = None, api: Literal["v1", "v2"] = "v1") -> None:
        self._client = client
        self.api = api

    @property
    def client(self) -> Any:
        if self._client is None:
            from mailgate.aws.clients import client  # noqa: PLC0415 - boto3 only when first needed

            self._client = client("ses" if self.api == "v1" else "sesv2")
        return self._client

    def _endpoint(self) -> tuple[str, int, bool]:
        url = urlsplit(self.client.meta.endpoint_url)
        tls = url.scheme == "https"
        return url.hostname or "ses", url.port or (443 if tls else 80), tls

    def send(self, mail_from: str, recipients: Sequence[str], message: bytes) -> str:
        """One SendRawEmail call (at most 50 recipients); returns the SES MessageId.

        An empty `mail_from` (a bounce's null sender) leaves Source out: SES then sends from the
        message's From address, which must be a verified identity like any Source.
        """
        if not 0 < len(recipients) <= MAX_DESTINATIONS:
            raise ValueError(f"SES takes 1 to {MAX_DESTINATIONS} recipients per call, not {len(recipients)}")
        host, port, _ = self._endpoint()
        source = mail_from.strip().removeprefix("<").removesuffix(">")
        destinations: list[str] = list(recipients)
        raw: RawMessageTypeDef = {"Data": message}
        try:
            if self.api == "v2":
                sender = {"FromEmailAddress": source} if source else {}
                reply = self.client.send_email(**sender, Destination={"ToAddresses": destinations},
                                               Content={"Raw": {"Data": message}})
            elif source:
                reply = self.client.send_raw_email(Source=source, Destinations=destinations, RawMessage=raw)
            else:
                reply = self.client.send_raw_email(Destinations=destinations, RawMessage=raw)
        except (ClientError, BotoCoreError) as exc:
            raise _error_from(exc, host, port) from exc
        return str(reply["MessageId"])

    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        """Send in batches of 50; a batch SES refuses is reported per recipient, like an SMTP refusal."""
        if not recipients:
            raise ValueError("deliver() needs at least one recipient")
        host, port, tls = self._endpoint()
        accepted: list[str] = []
        refused: dict[str, tuple[int, str]] = {}
        message_ids: list[str] = []
        failures: list[DeliveryError] = []
        for start in range(0, len(recipients), MAX_DESTINATIONS):
            batch = recipients[start:start + MAX_DESTINATIONS]
            try:
                message_ids.append(self.send(mail_from, batch, message))
            except DeliveryError as exc:
                failures.append(exc)
                code = _PERMANENT_CODE if isinstance(exc, PermanentDeliveryError) else _TEMPORARY_CODE
                refused.update(dict.fromkeys(batch, (code, exc.summary + (f": {exc.server_text}"
                                                                          if exc.server_text else ""))))
            else:
                accepted.extend(batch)
        if not accepted and len(failures) == 1:
            raise failures[0]  # one call, one refusal: SES's own error says it best
        ids = ",".join(message_ids)
        return settle(DeliveryResult(host=host, port=port, tls=tls, accepted=tuple(accepted), refused=refused,
                                     reply=f"SES MessageId {ids}" if ids else "", queue_id=ids or None))
