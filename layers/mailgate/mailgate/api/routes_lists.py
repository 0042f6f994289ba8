"""Allow and deny lists of senders: the organisation's (security officers and administrators) and each
user's own personal lists (a personal user manages theirs; operators may manage anyone's)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mailgate.api.errors import BadRequest, Invalid
from mailgate.api.guard import acting, endpoint, principal
from mailgate.api.ports import Ports
from mailgate.api.responses import ListsSection, PersonalListsView
from mailgate.api.roles import ALL_ROLES, OPERATORS, OWN_LIST_WRITERS, READERS
from mailgate.api.schemas import ListsUpdate, PersonalListsUpdate
from mailgate.settings.service import SettingsRecord, replace_section
from mailgate.settings.validation import as_document

_ADDRESS = Annotated[str, Path(min_length=3, max_length=320, description="the recipient whose lists these are")]


def _lists(record: SettingsRecord) -> ListsSection:
    return ListsSection(version=record.version, settings=as_document(record.config)["lists"])


def lists_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/lists", READERS, tags=["lists"])
    def get_lists() -> ListsSection:
        """The organisation's allow and deny lists (addresses, masks, domains, IP networks) and their options."""
        return _lists(ports.settings().current())

    @endpoint(router, "PUT", "/lists", OPERATORS, errors=(409,), tags=["lists"])
    def put_lists(update: ListsUpdate) -> ListsSection:
        """Replace the organisation's lists (conditional on `version`; 422 names each bad entry by position)."""
        record = ports.settings().change(update.version, lambda c: replace_section(c, "lists", update.settings),
                                         acting(router, "PUT /lists"))
        return _lists(record)

    def personal_store() -> Any:
        store = ports.personal_lists()
        if store is None:
            raise BadRequest("personal lists need the settings table, which this deployment does not have")
        return store

    def save(address: str, update: PersonalListsUpdate, operation: str) -> PersonalListsView:
        from mailgate.rules.sender_lists import PersonalLists, personal_problems  # noqa: PLC0415 - cold start

        lists = PersonalLists(allow=tuple(e.strip() for e in update.allow), deny=tuple(e.strip() for e in update.deny))
        problems = [{"path": f"body.{where}" if where else "body", "message": message}
                    for where, message in personal_problems(lists)]
        if problems:
            raise Invalid(problems, "personal lists")
        who = principal(router)
        record = personal_store().save(address, lists, update.version, who.who, who.subject, operation,
                                       digest=update.digest)
        return PersonalListsView.model_validate(record.to_dict())

    def own_address() -> str:
        who = principal(router)
        if not who.addresses:
            raise BadRequest("your token carries no e-mail address, so you have no personal lists")
        return who.addresses[0]

    @endpoint(router, "GET", "/lists/personal", ALL_ROLES, errors=(400,), tags=["lists"])
    def get_own_lists() -> PersonalListsView:
        """Your own allow and deny lists (matched against the envelope sender of mail to you; an allow entry
        skips only Anti-Spam, a deny entry makes the mail Blacklisted) and whether you get the Backup digest."""
        return PersonalListsView.model_validate(personal_store().get(own_address()).to_dict())

    @endpoint(router, "PUT", "/lists/personal", OWN_LIST_WRITERS, errors=(409,), tags=["lists"])
    def put_own_lists(update: PersonalListsUpdate) -> PersonalListsView:
        """Replace your own lists: addresses, masks and domains, at most 500 entries (conditional on `version`);
        `digest` false opts you out of the daily Backup digest (absent: unchanged)."""
        return save(own_address(), update, "PUT /lists/personal")

    @endpoint(router, "GET", "/lists/personal/<address>", READERS, errors=(400,), tags=["lists"])
    def get_user_lists(address: _ADDRESS) -> PersonalListsView:
        """One user's personal lists."""
        return PersonalListsView.model_validate(personal_store().get(_address(address)).to_dict())

    @endpoint(router, "PUT", "/lists/personal/<address>", OPERATORS, errors=(409,), tags=["lists"])
    def put_user_lists(address: _ADDRESS, update: PersonalListsUpdate) -> PersonalListsView:
        """Replace one user's personal lists (conditional on `version`)."""
        return save(_address(address), update, "PUT /lists/personal/{address}")

    return router


def _address(text: str) -> str:
    from mailgate.rules.sender_lists import classify  # noqa: PLC0415 - the matchers load when first used

    try:
        kind, value = classify(text, networks=False)
    except ValueError as exc:
        raise BadRequest(str(exc), field="address") from exc
    if kind != "address":
        raise BadRequest(f"{text!r} is not an e-mail address", field="address")
    return value

