"""Importing lists from text files into a rule's conditions or into the organisation's allow/deny lists."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.errors import Invalid, NotFound
from mailgate.api.guard import acting, endpoint
from mailgate.api.ports import Ports
from mailgate.api.responses import ListImported, RuleImported
from mailgate.api.roles import ADMINISTRATORS, OPERATORS
from mailgate.config import GatewayConfig
from mailgate.settings.service import replace_section
from mailgate.settings.validation import as_document

MAX_TEXT_CHARS = 4 * 2**20  # API Gateway carries 6 MB per request


class _Import(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=0, description="the settings version this change was made from (409 when stale)")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="one entry per line, or a one-column CSV")
    replace: bool = Field(default=False, description="replace what is there instead of adding to it")


class RuleImport(_Import):
    side: Literal["senders", "recipients"]


class ListImport(_Import):
    list: Literal["allow", "deny"]


def _merged(current: dict[str, Any], imported: dict[str, list[str]], replace: bool) -> dict[str, Any]:
    merged = {k: v for k, v in current.items() if not (replace and k in _ENTRY_FIELDS)}
    for name, values in imported.items():
        merged[name] = list(dict.fromkeys([*merged.get(name, []), *values]))
    return merged


_ENTRY_FIELDS = ("addresses", "masks", "domains", "networks", "regexes", "users", "groups")


def _refused(problems: list[tuple[int, str]]) -> Invalid:
    return Invalid([{"path": f"body.text:line {number}", "message": message} for number, message in problems[:200]],
                   "import")


def import_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "POST", "/settings/rules/<rule_name>/import", ADMINISTRATORS, errors=(404, 409),
              tags=["settings"])
    def import_rule_conditions(rule_name: Annotated[str, Path(min_length=1, max_length=200)],
                               request: RuleImport) -> RuleImported:
        """Add (or with `replace`, set) a rule's sender or recipient conditions from a text list: addresses,
        masks, domains, networks (senders only), `/regex/`, `user:` and `group:` entries. 422 names each bad
        line; the result is validated like PUT /settings/rules."""
        from mailgate.rules.entry_import import FIELDS, parse_entries  # noqa: PLC0415 - loaded when used

        kinds = [kind for kind in FIELDS if kind != "network" or request.side == "senders"]  # the client's
        found = parse_entries(request.text, kinds)
        if found.problems:
            raise _refused(found.problems)

        def change(config: GatewayConfig) -> GatewayConfig:
            table = as_document(config)["rules"]
            rule = next((r for r in table["rules"] if r["name"] == rule_name), None)
            if rule is None:
                raise NotFound(f"no rule named {rule_name!r}")
            rule[request.side] = _merged(rule.get(request.side) or {}, found.entries, request.replace)
            return replace_section(config, "rules", table)

        record = ports.settings().change(request.version, change,
                                         acting(router, f"POST /settings/rules/{rule_name}/import"))
        return RuleImported.model_validate({
            "version": record.version, "imported": found.count,
            "rule": next(r for r in as_document(record.config)["rules"]["rules"] if r["name"] == rule_name)})

    @endpoint(router, "POST", "/lists/import", OPERATORS, errors=(409,), tags=["lists"])
    def import_list_entries(request: ListImport) -> ListImported:
        """Add (or with `replace`, set) entries of the organisation's allow or deny list from a text list:
        addresses, masks, domains and IP networks. 422 names each bad line."""
        from mailgate.rules.entry_import import parse_entries  # noqa: PLC0415
        from mailgate.rules.sender_lists import merged_entries  # noqa: PLC0415

        found = parse_entries(request.text, kinds=("address", "mask", "domain", "network"))
        if found.problems:
            raise _refused(found.problems)
        entries = [value for values in found.entries.values() for value in values]

        def change(config: GatewayConfig) -> GatewayConfig:
            lists = as_document(config)["lists"]
            lists[request.list] = merged_entries(lists[request.list], entries, request.replace)  # comments kept
            return replace_section(config, "lists", lists)

        record = ports.settings().change(request.version, change, acting(router, "POST /lists/import"))
        return ListImported.model_validate({"version": record.version, "imported": len(entries),
                                             "settings": as_document(record.config)["lists"]})

    return router
