"""GET/PUT /settings/recipient-verification (mailgate.api.routes_settings.SECTIONS): unknown recipients refused
during SMTP, from the directory cache, and the addresses the organisation accepts outside it
(docs/recipient-verification.md)."""

from __future__ import annotations

from typing import Annotated, Any

from mailgate.api.responses import Section
from mailgate.api.schemas import SectionUpdate, shaped_as
from mailgate.config import RecipientVerification

RecipientVerificationDocument = Annotated[dict[str, Any], shaped_as(RecipientVerification)]


class RecipientVerificationSection(Section):
    settings: RecipientVerificationDocument


class RecipientVerificationUpdate(SectionUpdate):
    settings: RecipientVerificationDocument
