"""ARC-seal the mail we deliver (RFC 8617) with dkimpy's `arc_sign`.

Our verdict headers, subject tags, warnings, disclaimers and removed attachments break the sender's DKIM
signature. The seal records our Authentication-Results (the `arc=` result of any earlier chain included)
and signs the message as we deliver it, so the organisation's mail server, trusting our sealing domain,
can still rely on the authentication we did at the edge.
"""

from __future__ import annotations

from typing import Protocol

import dkim

from mailgate.config import DkimSigningKey
from mailgate.delivery.dkim_signing import SIGNED_HEADERS
from mailgate.delivery.errors import ArcSealingError, MessageNotSealable

# What a reader sees and what our verdicts rest on; Authentication-Results must not be listed (RFC 8617 §4.1.2).
SEALED_HEADERS = (*SIGNED_HEADERS, "x-mailgate-id", "x-mailgate-action", "x-mailgate-rule",
                  "x-mailgate-verdicts")


def _linesep(raw: bytes) -> bytes:
    first_newline = raw.find(b"\n")
    return b"\r\n" if first_newline > 0 and raw[first_newline - 1 : first_newline] == b"\r" else b"\n"


def _present(raw: bytes) -> list[bytes]:
    try:
        headers, _body = dkim.rfc822_parse(raw)
    except dkim.DKIMException as exc:
        raise MessageNotSealable(f"message header cannot be parsed: {exc}") from exc
    names = {bytes(name).lower() for name, _ in headers}
    if b"from" not in names:
        raise MessageNotSealable("message has no From header; an ARC seal must sign it")
    return [name.encode() for name in SEALED_HEADERS if name.encode() in names]


def seal_message(raw: bytes, domain: str, selector: str, private_key_pem: bytes, authserv_id: str) -> bytes:
    """`raw` with an ARC set (ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results) prepended.

    The message must carry our Authentication-Results (authserv-id `authserv_id`), which the set copies.
    """
    if not (domain.isascii() and selector.isascii() and authserv_id.isascii()):
        raise ArcSealingError("ARC domain, selector and authserv-id must be ASCII (use the A-label of an IDN)")
    include = _present(raw)
    try:
        arc_set = dkim.arc_sign(
            raw, selector.encode(), domain.encode(), private_key_pem.replace(b"\r\n", b"\n"), authserv_id.encode(),
            include_headers=include, linesep=_linesep(raw),
        )
    except (dkim.KeyFormatError, ValueError) as exc:
        raise ArcSealingError(f"ARC key for {selector}._domainkey.{domain} is unusable: {exc}") from exc
    except dkim.DKIMException as exc:  # the message's own ARC headers are malformed
        raise MessageNotSealable(f"cannot ARC-seal this message: {exc}") from exc
    if not arc_set:
        raise MessageNotSealable(f"no Authentication-Results of {authserv_id} to seal (or the chain is terminated)")
    return b"".join(arc_set) + raw


class SecretReader(Protocol):
    def get(self, name: str) -> str: ...


class ArcSealer:
    """Seals every delivered message with the configured key (its PEM read from the secret store)."""

    def __init__(self, key: DkimSigningKey, secrets: SecretReader, authserv_id: str) -> None:
        if key.algorithm != "rsa-sha256":
            raise ArcSealingError("ARC seals use rsa-sha256 (RFC 8617); Ed25519 is not defined for ARC")
        self.key = key
        self.secrets = secrets
        self.authserv_id = authserv_id

    def __call__(self, raw: bytes) -> bytes:
        pem = self.secrets.get(self.key.secret_name).encode()
        return seal_message(raw, self.key.domain, self.key.selector, pem, self.authserv_id)
