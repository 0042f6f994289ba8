"""Notification settings and templates: read, replace (conditional on the version), preview.

A template is checked here before the settings are touched: an unknown macro is the administrator's
typo, answered with a 400 naming the template, field and macro, rather than stored and discovered
later as a broken notification.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import msgspec
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.errors import BadRequest, Invalid, NotFound
from mailgate.api.guard import acting, endpoint
from mailgate.api.ports import Ports
from mailgate.api.responses import NotificationPreview, NotificationsSection
from mailgate.api.roles import ADMINISTRATORS, OPERATORS, SETTINGS_READERS
from mailgate.api.schemas import NotificationsUpdate, TemplateDocument
from mailgate.notify.context import NotificationContext, PartInfo
from mailgate.notify.macros import notification_problems, render, validate_template
from mailgate.notify.templates import NotificationSettings, Template
from mailgate.settings.service import SettingsRecord, replace_section

SECTION = "notifications"
T = TypeVar("T")


class InvalidTemplate(BadRequest):
    error_code = "invalid_template"


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str | None, Field(max_length=64, description="a stored template, by name")] = None
    template: Annotated[TemplateDocument | None, Field(description="a template given inline, as stored")] = None


def current_notifications(record: SettingsRecord) -> NotificationSettings:
    """The stored section, or the defaults while the configuration has none."""
    found = getattr(record.config, SECTION, None)
    return found if isinstance(found, NotificationSettings) else NotificationSettings()


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        first = f"{problems[0]['path']}: {problems[0]['message']}"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidTemplate(f"invalid template: {first}{more}", problems=problems)


def _convert(value: Any, kind: type[T], path: str) -> T:
    """Structural problems (a missing field, a bad address) are 422, like every settings section."""
    try:
        return msgspec.convert(value, type=kind)
    except msgspec.ValidationError as exc:
        message, at, where = str(exc).partition(" - at `$")
        found = {"path": path + where.rstrip("`") if at else path, "message": message}
        raise Invalid([found], "notification settings") from exc


def sample_context(now: datetime | None = None) -> NotificationContext:
    """What a preview renders: a made-up message with one infected and one removed attachment."""
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    return NotificationContext(
        sender="sender@example.net", sender_ip="192.0.2.10",
        all_recipients=("alice@example.org", "bob@example.org"), affected_recipients=("alice@example.org",),
        affected_rules=("Default",), subject="Invoice for November", date=when,
        message_id="0000000000000000-sample", smtp_message_id="<sample.1@example.net>",
        action="not delivered, the original is held in Backup",
        verdicts=("authentication: pass", "antivirus: infected", "content_filter: violation"),
        backup_id="sample-backup-id",
        parts=(PartInfo("invoice.pdf.exe", 73_216, "infected: Win.Trojan.Sample"),
               PartInfo("tool.js", 2_048, "removed: executable")),
    )


def _view(record: SettingsRecord) -> NotificationsSection:
    return NotificationsSection(version=record.version, settings=msgspec.to_builtins(current_notifications(record)))


def notifications_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/settings/notifications", SETTINGS_READERS, tags=["settings"])
    def get_notifications() -> NotificationsSection:
        """Notification sender, administrators' addresses and the templates, with the settings version."""
        return _view(ports.settings().current())

    @endpoint(router, "PUT", "/settings/notifications", ADMINISTRATORS, errors=(409,), tags=["settings"])
    def put_notifications(update: NotificationsUpdate) -> NotificationsSection:
        """Replace the notification settings (conditional on `version`; 400 names an unknown macro)."""
        settings = _convert(update.settings, NotificationSettings, "settings")
        _refuse([{"path": f"settings{where}", "message": message}
                 for where, message in notification_problems(settings)])
        record = ports.settings().change(
            update.version, lambda c: replace_section(c, SECTION, update.settings),
            acting(router, "PUT /settings/notifications"))
        return _view(record)

    @endpoint(router, "POST", "/notifications/preview", OPERATORS, errors=(404,), tags=["settings"])
    def preview_notification(request: PreviewRequest) -> NotificationPreview:
        """Render a template (inline, or stored by name) for a sample message: subject, text, html."""
        if (request.name is None) == (request.template is None):
            raise BadRequest("give either `name` (a stored template) or `template` (one given inline)")
        if request.template is not None:
            template = _convert(request.template, Template, "template")
            _refuse([{"path": f"template.{field}", "message": message}
                     for field, message in validate_template(template)])
        else:
            stored = current_notifications(ports.settings().current()).templates
            found = next((t for t in stored if t.name == request.name), None)
            if found is None:
                raise NotFound(f"no notification template is named {request.name!r}")
            template = found
        subject, text, html = render(template, sample_context())
        return NotificationPreview(name=template.name, subject=subject, text=text, html=html)

    return router
