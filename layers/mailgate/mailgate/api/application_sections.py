"""GET/PUT /settings/application-notifications and /settings/digest (mailgate.api.routes_settings.SECTIONS): which
application events are mailed to whom (mailgate.notify.application), and the users' daily Backup digest."""

from __future__ import annotations

from typing import Annotated, Any

from mailgate.api.responses import Section
from mailgate.api.schemas import SectionUpdate, shaped_as
from mailgate.config import ApplicationNotifications, DigestSettings, OutboundSettings

ApplicationNotificationsDocument = Annotated[dict[str, Any], shaped_as(ApplicationNotifications)]


class ApplicationNotificationsSection(Section):
    settings: ApplicationNotificationsDocument


class ApplicationNotificationsUpdate(SectionUpdate):
    settings: ApplicationNotificationsDocument


DigestDocument = Annotated[dict[str, Any], shaped_as(DigestSettings)]


class DigestSection(Section):
    settings: DigestDocument


class DigestUpdate(SectionUpdate):
    settings: DigestDocument


OutboundDocument = Annotated[dict[str, Any], shaped_as(OutboundSettings)]


class OutboundSection(Section):
    settings: OutboundDocument


class OutboundUpdate(SectionUpdate):
    settings: OutboundDocument
