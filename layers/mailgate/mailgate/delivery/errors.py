"""Why a delivery failed, in the two classes the queue cares about: retry later, or bounce.

Every error keeps what an administrator needs in the event log and a sender needs in a bounce: the
host we talked to, its reply code, enhanced status and text, and a one-line summary in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mailgate.errors import DeliveryFailure

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")


def enhanced_status_of(text: str) -> str | None:
    """The RFC 3463 status at the start of a server's reply text ("5.1.1 No such user" → "5.1.1")."""
    match = _ENHANCED.match(text.strip())
    return match.group(0) if match else None


class DeliveryError(DeliveryFailure):
    """A delivery attempt failed; `str()` is the summary followed by the server's reply, if any."""

    default_status = "4.0.0"

    def __init__(self, summary: str, *, code: int | None = None, server_text: str = "",
                 enhanced_status: str | None = None, host: str | None = None, port: int | None = None,
                 refused: Mapping[str, tuple[int, str]] | None = None) -> None:
        self.summary = summary
        self.code = code
        self.server_text = server_text
        self.enhanced_status = enhanced_status or enhanced_status_of(server_text)
        self.host = host
        self.port = port
        self.refused: dict[str, tuple[int, str]] = dict(refused or {})  # per recipient, when known
        super().__init__(self.describe())

    @property
    def reply(self) -> str:
        """The server's reply as it appeared on the wire ("550 5.1.1 No such user"), or ""."""
        if self.code is None:
            return self.server_text
        return f"{self.code} {self.server_text}".strip()

    @property
    def status(self) -> str:
        """The enhanced status to report in a DSN: the server's own, or the class default."""
        return self.enhanced_status or self.default_status

    def describe(self) -> str:
        where = f"{self.host}:{self.port}: " if self.host and self.port else (f"{self.host}: " if self.host
                                                                               else "")
        reply = f" (server said: {self.reply})" if self.reply else ""
        return f"{where}{self.summary}{reply}"


class TemporaryDeliveryError(DeliveryError):
    """Try again later: a 4xx reply, no host reachable, or a security requirement not met yet."""

    default_status = "4.0.0"


class PermanentDeliveryError(DeliveryError):
    """The destination refused the message for good (5xx): the sender gets a bounce."""

    default_status = "5.0.0"


class DkimSigningError(ValueError):
    """The message cannot be signed with this key; the message says why."""


class ArcSealingError(DkimSigningError):
    """The message cannot be sealed with our key; the message says why (it is delivered unsealed)."""


class MessageNotSealable(ArcSealingError):
    """The message itself cannot carry a seal (no From, a broken earlier chain): a fact, not a fault.
    Here, not beside the sealer, so that catching it does not load dkimpy."""
