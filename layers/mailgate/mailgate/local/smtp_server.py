"""aiosmtpd servers for local mode that keep only SES's documented limit: the size of the message.

aiosmtpd refuses any line over 1,000 octets with "500 Line too long". SES documents no line-length limit for
mail it receives (only 40 MB per message), and the servers mail is delivered to (Exchange, Postfix) take long
lines too; mail with one long HTML line is common. So a line may be as long as the message may be; command
lines keep aiosmtpd's own limit (512 octets plus extensions).
"""

from __future__ import annotations

from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

INGRESS_LIMIT = 40 * 2**20  # SES accepts messages up to 40 MB
DOWNSTREAM_LIMIT = INGRESS_LIMIT + 2**20  # the organisation's server takes what we accepted, with our headers


class _LongLineSMTP(SMTP):
    line_length_limit = DOWNSTREAM_LIMIT


class MailServer(Controller):
    def factory(self) -> Any:
        return _LongLineSMTP(self.handler, **self.SMTP_kwargs)
