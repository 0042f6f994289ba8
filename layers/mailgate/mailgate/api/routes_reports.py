"""Summary reports: the ones kept in the mail bucket (`summary-reports/`), and one made now for a day, week or
month of the configured time zone (mailgate.reports), stored and, when asked, mailed to the configured recipients."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.errors import ApiError, BadRequest
from mailgate.api.guard import endpoint
from mailgate.api.pagination import cursor_state, encode_cursor
from mailgate.api.ports import Ports
from mailgate.api.responses import Answer, Section
from mailgate.api.roles import OPERATORS, READERS
from mailgate.api.schemas import SectionUpdate, shaped_as
from mailgate.config import ReportSettings

if TYPE_CHECKING:
    from mailgate.reports.service import ReportPorts

DOWNLOAD_SECONDS = 900
CURSOR_KEYS = frozenset({"after"})


ReportSettingsDocument = Annotated[dict[str, Any], shaped_as(ReportSettings)]


class ReportsSection(Section):
    """GET/PUT /settings/reports (mailgate.api.routes_settings.SECTIONS)."""

    settings: ReportSettingsDocument


class ReportsUpdate(SectionUpdate):
    settings: ReportSettingsDocument


class ReportsUnavailable(ApiError):
    http_status = 503
    error_code = "reports_unavailable"


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Literal["day", "week", "month"]
    end: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2999, 12, 31),
                             description="a day of the period (the configured time zone), 2000 to 2999; default: "
                                         "the last complete period")
    mail: bool = Field(default=True, description="mail it to the configured recipients (reports.recipients)")


class ReportView(Answer):
    report_id: str
    period: str
    first_day: str
    last_day: str
    created: str = Field(description="when the PDF was stored (UTC)")
    size: int = Field(description="bytes of the PDF")
    download_url: str = Field(description=f"a pre-signed URL of the PDF, valid {DOWNLOAD_SECONDS // 60} minutes")
    mail_url: str = Field(description="a pre-signed URL of the report as it was mailed (message/rfc822: the HTML "
                                      "with its charts, the PDF attached), valid as long")


class ReportList(Answer):
    reports: list[ReportView] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: this was the last")


class RunAnswer(Answer):
    report_id: str
    period: str
    first_day: str
    last_day: str
    pdf_key: str = Field(description="the PDF's key in the mail bucket")
    size: int
    download_url: str
    mailed_to: list[str]
    not_mailed: dict[str, str] = Field(description="address → why it was not mailed")
    warnings: list[str]


def reports_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def wired() -> ReportPorts:
        found = ports.summary_reports()
        if found is None:
            raise ReportsUnavailable("reports need the mail bucket: not configured in this deployment")
        return found

    @endpoint(router, "GET", "/reports", READERS, errors=(400, 503), tags=["reports"])
    def list_reports(limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     cursor: Annotated[str | None, Query(max_length=1024)] = None) -> ReportList:
        """The summary reports kept in the mail bucket, newest first, each with download URLs of its PDF and of
        the mail as it was sent; paged with `cursor`."""
        from mailgate.reports.service import PREFIX, listing  # noqa: PLC0415 - loaded for reports only

        after = (cursor_state(cursor, CURSOR_KEYS) or {}).get("after", "")
        if after and not after.startswith(PREFIX):
            raise BadRequest("invalid page token", field="cursor")
        store = wired().store
        found, last = listing(store, limit, after)
        return ReportList(reports=[
            ReportView(**{k: v for k, v in r.items() if k != "pdf_key"},
                       download_url=store.download_url(r["pdf_key"], DOWNLOAD_SECONDS),
                       mail_url=store.download_url(r["pdf_key"][:-len(".pdf")] + ".eml", DOWNLOAD_SECONDS))
            for r in found], next_cursor=encode_cursor({"after": last}) if last else None)

    @endpoint(router, "POST", "/reports/run", OPERATORS, errors=(400, 503), tags=["reports"])
    def run_report(body: RunBody) -> RunAnswer:
        """Make a summary report now (the traffic and detections from the hourly counters, Backup's top senders
        and recipients, directory sync health), keep it, and mail it to `reports.recipients` unless `mail` is
        false."""
        from mailgate.reports.gather import previous, window  # noqa: PLC0415 - loaded for reports only
        from mailgate.reports.service import make_report  # noqa: PLC0415

        report_ports = wired()
        cfg = ports.config()
        zone = cfg.reports.time_zone
        span = window(body.period, body.end, zone) if body.end else previous(body.period, datetime.now(UTC), zone)
        made = make_report(cfg, report_ports, span, mail=body.mail)
        return RunAnswer(report_id=made.report_id, period=made.period, first_day=made.first_day,
                         last_day=made.last_day, pdf_key=made.pdf_key, size=made.size,
                         download_url=report_ports.store.download_url(made.pdf_key, DOWNLOAD_SECONDS),
                         mailed_to=made.mailed_to, not_mailed=made.not_mailed, warnings=made.warnings)

    return router
