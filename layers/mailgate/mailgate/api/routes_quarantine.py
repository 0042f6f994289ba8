"""The Anti-Spam Quarantine as administrators watch it: what is held now, until when, and how full it is."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailgate.api.errors import BadRequest
from mailgate.api.guard import endpoint, principal
from mailgate.api.ports import Ports
from mailgate.api.responses import HeldMessages
from mailgate.api.roles import ALL_ROLES


def quarantine_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/spam-quarantine", ALL_ROLES, errors=(400,), tags=["backup"])
    def list_spam_quarantine(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> HeldMessages:
        """Messages the Anti-Spam Quarantine holds now, soonest re-scan first (personal users: their own),
        with the usage against the limits."""
        ledger = ports.quarantine()
        if ledger is None:
            raise BadRequest("the Anti-Spam Quarantine needs the Backup table, which this deployment does not have")
        who = principal(router)
        items = [item for item in ledger.held(1000)
                 if not who.is_personal_only or who.owns(item.get("recipients") or ())][:limit]
        messages, used = ledger.usage()
        limits = ports.config().spam_quarantine
        return HeldMessages.model_validate({
            "items": items, "held_messages": messages, "held_megabytes": round(used / 2**20, 2),
            "max_messages": limits.max_messages, "max_megabytes": limits.max_megabytes})

    return router
