"""DKIM-sign outgoing mail (RFC 6376; RSA-SHA256 or Ed25519-SHA256 per RFC 8463) with dkimpy.

relaxed/relaxed survives the re-folding relays do. From is signed once more than it occurs
("oversigned") so that nobody can add a second From that some clients would display instead.
"""

from __future__ import annotations

import base64
import re
from typing import Literal

import dkim

from mailgate.delivery.errors import DkimSigningError

Algorithm = Literal["rsa-sha256", "ed25519-sha256"]

# Header fields that identify the message and what a reader sees; signed when present.
SIGNED_HEADERS = (
    "from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id", "in-reply-to",
    "references", "mime-version", "content-type", "content-transfer-encoding",
    "list-id", "list-unsubscribe", "list-unsubscribe-post",
)
OVERSIGNED_HEADERS = ("from",)

# PKCS#8 wrapping of an Ed25519 key (RFC 8410): a fixed 16-byte prefix, then the 32-byte seed.
_ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
_PEM_BODY = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)


def _ed25519_seed_base64(private_key: bytes) -> bytes:
    """dkimpy wants the base64 seed; accept it as is, or a PKCS#8 PEM (`openssl genpkey`)."""
    pem = _PEM_BODY.search(private_key)
    if pem is None:
        seed_text = b"".join(private_key.split())
        try:
            seed = base64.b64decode(seed_text, validate=True)
        except ValueError as exc:
            raise DkimSigningError("Ed25519 key is neither PEM nor a base64 seed") from exc
    else:
        try:
            der = base64.b64decode(b"".join(pem.group(1).split()), validate=True)
        except ValueError as exc:
            raise DkimSigningError("Ed25519 PEM key is not valid base64") from exc
        if len(der) != 48 or not der.startswith(_ED25519_PKCS8_PREFIX):
            raise DkimSigningError("PEM key is not an Ed25519 PKCS#8 private key")
        seed = der[16:]
    if len(seed) != 32:
        raise DkimSigningError(f"Ed25519 seed must be 32 bytes, got {len(seed)}")
    return base64.b64encode(seed)


def _headers_to_sign(raw: bytes) -> list[bytes]:
    try:
        headers, _body = dkim.rfc822_parse(raw)
    except dkim.DKIMException as exc:
        raise DkimSigningError(f"message header cannot be parsed: {exc}") from exc
    names = [bytes(name).lower() for name, _ in headers]
    if b"from" not in names:
        raise DkimSigningError("message has no From header; DKIM requires it to be signed")
    include = [n.encode() for n in SIGNED_HEADERS for _ in range(names.count(n.encode()))]
    return include + [n.encode() for n in OVERSIGNED_HEADERS]


def sign_message(raw: bytes, domain: str, selector: str, private_key_pem: bytes,
                 algorithm: Algorithm = "rsa-sha256") -> bytes:
    """Return `raw` with a DKIM-Signature field prepended (line endings follow the message)."""
    if not domain.isascii() or not selector.isascii():
        raise DkimSigningError("DKIM domain and selector must be ASCII (use the A-label of an IDN)")
    if algorithm == "ed25519-sha256":
        key = _ed25519_seed_base64(private_key_pem)
    elif algorithm == "rsa-sha256":
        key = private_key_pem.replace(b"\r\n", b"\n")  # dkimpy's PEM reader expects LF
    else:
        raise DkimSigningError(f"unsupported DKIM algorithm {algorithm!r}")
    first_newline = raw.find(b"\n")
    linesep = b"\r\n" if first_newline > 0 and raw[first_newline - 1 : first_newline] == b"\r" else b"\n"
    include = _headers_to_sign(raw)
    try:
        signature = dkim.sign(
            raw, selector.encode("ascii"), domain.encode("ascii"), key,
            canonicalize=(b"relaxed", b"relaxed"), signature_algorithm=algorithm.encode(),
            include_headers=include, linesep=linesep,
        )
    except (dkim.KeyFormatError, ValueError) as exc:  # ValueError: PEM with undecodable base64
        raise DkimSigningError(f"DKIM key for {selector}._domainkey.{domain} is unusable: {exc}") from exc
    except dkim.DKIMException as exc:
        raise DkimSigningError(f"cannot DKIM-sign for {domain}: {exc}") from exc
    return bytes(signature) + raw
