"""Dry runs: how the current or a proposed rule table treats a logged or an uploaded message, without any
side effect (nothing is delivered, stored, logged or learned)."""

from __future__ import annotations

import ipaddress

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mailgate.api.errors import Invalid, NotFound
from mailgate.api.guard import endpoint
from mailgate.api.ports import Ports
from mailgate.api.responses import DryRun
from mailgate.api.roles import OPERATORS
from mailgate.api.schemas import RuleTableDocument
from mailgate.api.upload import MAX_UPLOAD_BYTES, decode_upload

UPLOAD_NOTES = ("scanned in the API function with network lookups off: SPF, DKIM, DMARC and DNS blocklists "
                "are neutral", "Anti-Virus does not run in a dry run (no clamd in the API function): skipped")


class DryRunRequest(BaseModel):
    """Exactly one of `message_id` and `message`; `rules` makes it a dry run of a proposed table."""

    model_config = ConfigDict(extra="forbid")
    message_id: str | None = Field(default=None, min_length=1, max_length=200,
                                   description="a message in the event log: its stored scan report is decided again")
    message: str | None = Field(default=None, min_length=1,
                                description=f"a raw RFC 5322 message in base64 (at most {MAX_UPLOAD_BYTES} bytes)")
    mail_from: str | None = Field(default=None, max_length=320, description="the envelope sender (upload)")
    recipients: list[str] | None = Field(default=None, min_length=1, max_length=100,
                                         description="envelope recipients (default: the logged ones, or To/Cc)")
    client_ip: str | None = Field(default=None, max_length=45, description="the connecting client (upload)")
    rules: RuleTableDocument | None = Field(default=None, description="a proposed rule table, as the `settings` of "
                                                                   "GET /settings/rules (validated the same way)")

    @model_validator(mode="after")
    def one_source(self) -> DryRunRequest:
        if (self.message_id is None) == (self.message is None):
            raise ValueError("give exactly one of message_id and message")
        return self

    @field_validator("recipients")
    @classmethod
    def addresses(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(a) > 320 or "@" not in a for a in value):
            raise ValueError("each recipient is an e-mail address")
        return value

    @field_validator("client_ip")
    @classmethod
    def address(cls, value: str | None) -> str | None:
        if value is not None:
            ipaddress.ip_address(value)  # ValueError: a 422 naming the field
        return value


def dry_run_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "POST", "/rules/dry-run", OPERATORS, errors=(404,), tags=["rules"])
    def dry_run_rules(request: DryRunRequest) -> DryRun:
        """Decide a logged message (its stored scan report) or an uploaded one (scanned here) with the current
        or a proposed rule table, per group of recipients, with each decision's path in plain words."""
        from mailgate.actions.grouping import group_recipients  # noqa: PLC0415 - only this endpoint needs them
        from mailgate.rules.current import needs_directory  # noqa: PLC0415
        from mailgate.rules.dry_run import compiled_rules, scan_raw, with_proposed_rules  # noqa: PLC0415
        from mailgate.rules.personal_source import PersonalListSource  # noqa: PLC0415

        config = ports.config()
        table = None
        if request.rules is not None:
            config = with_proposed_rules(config, request.rules)
            table = compiled_rules(config)
        notes: list[str] = []
        if request.message_id is not None:
            report = ports.report(request.message_id)
            if report is None:
                raise NotFound(f"no scan report for message {request.message_id} (reports expire with their "
                               "retention)")
            notes.append("the stored scan report is decided again: the scanners do not run again")
        else:
            raw = decode_upload(request.message or "", "send a smaller message")
            try:
                _message, report = scan_raw(raw, config, ports.dry_run_scanners(config), request.recipients or (),
                                            request.mail_from, request.client_ip)
            except ValueError as exc:
                raise Invalid([{"path": "body.message", "message": str(exc)}]) from None
            notes += UPLOAD_NOTES
        admin = ports.directory() if needs_directory(config.rules) else None
        store = ports.personal_lists()
        groups = group_recipients(report, config, request.recipients, admin.index() if admin else None,
                                  PersonalListSource(store.lists) if store else None, table)
        return DryRun.model_validate({
            "table": "proposed" if table is not None else "current",
            "message_id": report.message_id,
            "envelope": report.envelope.to_dict(),
            "verdicts": {r.scanner: {"verdict": r.verdict, "score": r.score,
                                     "reasons": [c.to_dict() for c in r.reasons]} for r in report.results},
            "groups": [{"recipients": list(g.recipients), "decision": g.decision.to_dict()} for g in groups],
            "notes": notes,
        })

    return router
