"""Shadow mode: candidate settings beside the live ones decide every new message too, their would-be decisions
logged as `shadow` events and acting on nothing; a summary compares the two; promotion makes the candidate the
live settings as one audited change (docs/replay.md). Setting and clearing a candidate change no settings version
but are audited too, in the same trail (GET /audit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.errors import ApiError, Invalid, NotFound
from mailgate.api.guard import acting, endpoint, principal
from mailgate.api.ports import Ports
from mailgate.api.responses import Answer
from mailgate.api.roles import ADMINISTRATORS, SETTINGS_READERS
from mailgate.api.routes_replay import LONGEST_RANGE, Counts, Proposal, Unavailable
from mailgate.api.timerange import time_range
from mailgate.settings.errors import VersionConflict
from mailgate.settings.service import Actor
from mailgate.settings.validation import as_document


class AuditUnavailable(ApiError):
    http_status = 503
    error_code = "audit_unavailable"


class ShadowRequest(Proposal):
    version: int = Field(ge=0, description="the live settings version the candidate is made from (409 when stale)")


class Promotion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(default=None, ge=0, description="promote only if the live settings are at this "
                                                                "version")


class ShadowView(Answer):
    since: str
    set_by: str
    based_on_version: int
    sections: list[str] = Field(description="the settings sections in which the candidate differs from the live "
                                            "settings")


class ShadowRemoved(Answer):
    removed: bool = Field(description="false: no shadow settings were set")


class ShadowSummary(Answer):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"additionalProperties": False})
    active: bool = Field(description="shadow settings are set now")
    since: str | None = None
    set_by: str | None = None
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    more: bool = Field(description="the range had more shadow events than one summary reads: narrow it")
    counts: Counts = Field(description="as a replay's counts: live against shadow over the range")


class Promoted(Answer):
    version: int = Field(description="the live settings version the candidate became")
    promoted: bool


def shadow_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def store() -> Any:
        found = ports.shadow()
        if found is None:
            raise Unavailable("no settings table is configured for this gateway: shadow settings cannot be kept")
        return found

    @endpoint(router, "PUT", "/settings/shadow", ADMINISTRATORS, errors=(409, 503), tags=["settings"])
    def put_shadow(request: ShadowRequest) -> ShadowView:
        """Set candidate settings beside the live ones: from now on every message is decided also under them,
        the would-be decision logged as a `shadow` event; nothing is done by them. Replaces an earlier candidate."""
        from mailgate.events.model import utc_now  # noqa: PLC0415
        from mailgate.replay.proposal import proposed_config  # noqa: PLC0415
        from mailgate.replay.shadow import ShadowSettings  # noqa: PLC0415

        found = store()
        current = ports.settings().current()
        if request.version != current.version:
            raise VersionConflict(request.version, current.version)
        candidate = proposed_config(current.config, request.document, request.sections)
        if candidate == current.config:
            raise Invalid([{"path": "body", "message": "the candidate is the live settings: nothing to compare"}])
        shadow = ShadowSettings(config=candidate, since=utc_now(), set_by=principal(router).username,
                                based_on_version=current.version)
        _audited(ports, acting(router, "PUT /settings/shadow"), current.version, current.config, candidate,
                 lambda: found.put(shadow))
        return _view(shadow, current.config)

    @endpoint(router, "DELETE", "/settings/shadow", ADMINISTRATORS, errors=(503,), tags=["settings"])
    def delete_shadow() -> ShadowRemoved:
        """Stop shadow mode; the shadow events logged so far stay for their retention. Audited (GET /audit) when
        a candidate was set: every value it differed in, the candidate's before, the live one's after."""
        found = store()
        shadow = found.get()
        if shadow is None:
            return ShadowRemoved(removed=False)  # nothing stopped: nothing to audit
        current = ports.settings().current()
        removed = _audited(ports, acting(router, "DELETE /settings/shadow"), current.version, shadow.config,
                           current.config, found.delete)
        return ShadowRemoved(removed=bool(removed))

    @endpoint(router, "GET", "/settings/shadow/summary", SETTINGS_READERS, errors=(400, 404, 503), tags=["settings"])
    def get_shadow_summary(
        start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
    ) -> ShadowSummary:
        """Live against shadow decisions over the shadow period (default: since the candidate was set, to now):
        how many recipients' decisions differ, would be held or released, counted per rule, module and verdict
        class."""
        from mailgate.replay.shadow import summarise  # noqa: PLC0415

        shadow = store().get()
        if shadow is None and start is None:
            raise NotFound("no shadow settings are set: give `from` to summarise an earlier shadow period")
        first, last = time_range(start or (shadow.since if shadow else None), end, LONGEST_RANGE, LONGEST_RANGE)
        tally, more = summarise(ports.events(), first, last)
        return ShadowSummary.model_validate({
            "active": shadow is not None, "since": shadow.since if shadow else None,
            "set_by": shadow.set_by if shadow else None, "from": first, "to": last, "more": more,
            "counts": tally.to_dict()})

    @endpoint(router, "POST", "/settings/shadow/promote", ADMINISTRATORS, errors=(404, 409, 503),
              tags=["settings"])
    def promote_shadow(request: Promotion) -> Promoted:
        """Make the candidate the live settings: one versioned settings change, audited like any other (GET
        /audit), after which shadow mode stops."""
        found = store()
        shadow = found.get()
        if shadow is None:
            raise NotFound("no shadow settings are set")
        record = ports.settings().change(request.version, lambda _live: shadow.config,
                                         acting(router, "POST /settings/shadow/promote"))
        found.delete()
        return Promoted(version=record.version, promoted=True)

    return router


def _audited(ports: Ports, actor: Actor, version: int, before: Any, after: Any, act: Callable[[], Any]) -> Any:
    """Write the audit entry of setting or clearing the candidate, then do it (its answer returned).

    The entry comes first: shadow settings must never be set or cleared without it. When the entry cannot be
    written nothing is done and the caller gets a 503 saying so; when the act then fails the entry stands for
    an attempt (its id is in the 503's message) — an extra entry is visible, a missing one is not. The two are
    not one transaction because the audit trail is the settings store's and the candidate the shadow store's.
    """
    try:
        entry = ports.settings().audit(actor, version, before, after)
    except Exception as exc:  # the table refused or cannot be reached: the candidate stays as it was
        raise AuditUnavailable(f"the audit trail could not be written, so the shadow settings were not changed: "
                               f"{exc}") from exc
    try:
        return act()
    except Exception as exc:  # the entry is written: say which one records an act that did not happen
        raise Unavailable(f"the shadow settings could not be changed ({exc}); audit entry {entry.entry_id} "
                          "records the attempt") from exc


def _view(shadow: Any, live: Any) -> ShadowView:
    mine, theirs = as_document(shadow.config), as_document(live)
    return ShadowView(since=shadow.since, set_by=shadow.set_by, based_on_version=shadow.based_on_version,
                      sections=sorted(k for k in mine if mine.get(k) != theirs.get(k)))
