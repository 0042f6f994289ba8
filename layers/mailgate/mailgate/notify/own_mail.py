"""The gateway's own mail that the admin API composes (the Backup digest), sent by the rules function: it holds
the relay logins and the DKIM keys, the internet-facing API holds neither. What rules accepts is narrow, so a
compromised API cannot make it sign or send anything else: From and the envelope sender must be the configured
notification sender, and every recipient must be in an accepted domain (delivered through its route)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from mailgate.config import GatewayConfig, Route
from mailgate.delivery.base import Deliverer, DeliveryResult
from mailgate.delivery.signing import from_address
from mailgate.environment import SEND_KEY

MAX_OWN_MAIL = 4 * 2**20  # a digest is tens of KB; Lambda's synchronous payload is 6 MB


class OwnMailRefused(ValueError):
    """An order to send something that is not the gateway's own mail to its own users."""


def send_order(mail_from: str, to: str, data: bytes) -> dict[str, Any]:
    return {SEND_KEY: {"mail_from": mail_from, "to": to, "data": base64.b64encode(data).decode()}}


def run_send(message: dict[str, Any], config: GatewayConfig, deliverer_for: Callable[[Route], Deliverer],
             sign: Callable[[bytes], bytes]) -> dict[str, Any]:
    """The rules function's side: checked, DKIM-signed when a key for the sender's domain is configured, delivered."""
    order = message[SEND_KEY]
    sender = config.notifications.sender(config.authserv_id)
    mail_from, to = str(order.get("mail_from", "")), str(order.get("to", ""))
    data = base64.b64decode(str(order.get("data", "")), validate=True)
    if mail_from.lower() != sender.lower() or (from_address(data) or "").lower() != sender.lower():
        raise OwnMailRefused(f"only mail from the gateway's notification sender {sender} is sent this way")
    if len(data) > MAX_OWN_MAIL:
        raise OwnMailRefused(f"{len(data)} bytes: the gateway's own mail is at most {MAX_OWN_MAIL}")
    route = config.route_for(to)
    if route is None:
        raise OwnMailRefused(f"{to}: not in a domain this gateway accepts")
    return deliverer_for(route).deliver(mail_from, (to,), sign(data)).to_dict()


def result_from(answer: dict[str, Any]) -> DeliveryResult:
    return DeliveryResult.from_dict(answer)
