"""GET/PUT /settings/prices (mailgate.api.routes_settings.SECTIONS): the AWS list prices each message's cost is
computed with (mailgate.costing), so an operator can follow AWS's pricing pages without a release."""

from __future__ import annotations

from typing import Annotated, Any

from mailgate.api.responses import Section
from mailgate.api.schemas import SectionUpdate, shaped_as
from mailgate.config import Prices

PricesDocument = Annotated[dict[str, Any], shaped_as(Prices)]


class PricesSection(Section):
    settings: PricesDocument


class PricesUpdate(SectionUpdate):
    settings: PricesDocument
