"""Why a message was treated as it was: its stored ScanReport decided again, step by step, without
side effects (nothing is delivered, stored or logged)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from mailgate.api.errors import NotFound
from mailgate.api.guard import endpoint
from mailgate.api.ports import Ports
from mailgate.api.responses import Explanation
from mailgate.api.roles import READERS


def explain_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/messages/<message_id>/explanation", READERS, errors=(404,), tags=["event log"])
    def explain_message(message_id: str) -> Explanation:
        """The scanners' findings and, per group of recipients, the rule's decision path in plain words,
        decided again from the stored scan report with the current settings."""
        from mailgate.actions.grouping import group_recipients  # noqa: PLC0415 - only this endpoint needs them
        from mailgate.rules.current import needs_directory  # noqa: PLC0415
        from mailgate.rules.personal_source import PersonalListSource  # noqa: PLC0415

        report = ports.report(message_id)
        if report is None:
            raise NotFound(f"no scan report for message {message_id} (reports expire with their retention)")
        config = ports.config()
        admin = ports.directory() if needs_directory(config.rules) else None
        store = ports.personal_lists()
        groups = group_recipients(report, config, None, admin.index() if admin else None,
                                  PersonalListSource(store.lists) if store else None)
        return Explanation.model_validate({
            "message_id": message_id,
            "envelope": report.envelope.to_dict(),
            "verdicts": {r.scanner: {"verdict": r.verdict, "score": r.score,
                                     "reasons": [c.to_dict() for c in r.reasons]} for r in report.results},
            "groups": [{"recipients": list(g.recipients), "decision": g.decision.to_dict()} for g in groups],
        })

    return router
