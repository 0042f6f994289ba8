"""DKIM-sign outgoing mail for the domains that have a key configured.

Only for mail the organisation itself sends through an authenticated path (the outbound ingress of the
coming Mail Manager mode). Nothing wires it into the inbound delivery path, on purpose: signing mail that
came from outside with our key would let a forger's `From: ceo@<our domain>` carry our valid signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import getaddresses
from typing import Protocol

from mailgate.config import DkimSigningKey
from mailgate.delivery.dkim_signing import sign_message
from mailgate.delivery.header_edit import field_name, field_value, split_header_block


class SecretReader(Protocol):
    def get(self, name: str) -> str: ...


def from_address(raw: bytes) -> str | None:
    """The one address of the From field, or None (none, several, or several From fields)."""
    block = split_header_block(raw)
    values = [field_value(f) for f in block.fields if field_name(f) == "from"]
    addresses = [a for _, a in getaddresses(values) if "@" in a]
    return addresses[0] if len(values) == 1 and len(addresses) == 1 else None


def from_domain(raw: bytes) -> str | None:
    address = from_address(raw)
    return address.rpartition("@")[2].lower() if address else None


class OutboundSigner:
    def __init__(self, keys: Sequence[DkimSigningKey], secrets: SecretReader) -> None:
        self.keys = {k.domain.lower(): k for k in keys}
        self.secrets = secrets

    def __call__(self, raw: bytes) -> bytes:
        domain = from_domain(raw)
        key = self.keys.get(domain or "")
        if key is None:
            return raw
        pem = self.secrets.get(key.secret_name).encode()
        return sign_message(raw, key.domain, key.selector, pem, key.algorithm)
