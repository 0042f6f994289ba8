"""A decision is a recorded path, not a boolean: what happens to one recipient's copy, and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mailgate.documents import Document

DELIVER = "deliver"  # "Skip" in the rule table: deliver as is (with our headers)
REJECT = "reject"  # bounce to the sender with the reason
DELETE = "delete"  # nothing delivered, no notice
DELETE_ATTACHMENT = "delete_attachment"  # offending parts removed, the rest delivered
HOLD = "hold"  # the Anti-Spam Quarantine: kept back, scanned again later, decided then

# The strictest action wins when several modules decide.
STRICTNESS = {DELIVER: 0, HOLD: 0, DELETE_ATTACHMENT: 1, REJECT: 2, DELETE: 3}


class PartRemoval(Document, frozen=True):
    """One attachment "Delete attachment" takes out, named in the notice part the recipient gets."""

    part_path: str  # the parser's path ("2", "2.1"), as mailgate.delivery.part_removal expects
    filename: str | None
    reason: str


class Decision(Document, frozen=True):
    """Stored inside the rules step's outcomes and decision events: `set_headers` as an object, `notifications`
    as {to, verdict_class} objects, no disclaimer as null, `hold_minutes` only with HOLD."""

    action: str
    backup: bool  # keep a copy of the original in Backup, whatever the action
    rule: str
    reason: str  # the deciding fact in one sentence
    module: str | None = None  # the scanner whose verdict decided
    verdict_class: str | None = None
    path: tuple[str, ...] = ()  # every step, for `mailgate explain`
    removals: tuple[PartRemoval, ...] = ()  # with DELETE_ATTACHMENT: the parts that go
    remove_headers: tuple[str, ...] = ()  # header fields removed from the delivered copy (lower case)
    set_headers: tuple[tuple[str, str], ...] = ()  # fields (name, value) set on the delivered copy
    subject_tags: tuple[str, ...] = ()  # prefixed to the delivered copy's subject, in this order
    insecure_warning: bool = False  # insert the warning about an insecure message into the body
    notifications: tuple[tuple[str, str], ...] = ()  # (who: a role or an address, verdict class)
    bcc: tuple[str, ...] = ()  # the rule's copies, sent whatever the action
    disclaimer: str = ""  # the name of the disclaimer added to the delivered copy
    hold_minutes: int = 0  # with HOLD: how long until the re-scan

    # Why, not what: these explain the decision and do not change the copy, so recipients whose decisions
    # differ only here still share one copy. Every other field is part of `signature()`.
    EXPLAINS: ClassVar[frozenset[str]] = frozenset({"module", "verdict_class", "path"})

    def signature(self) -> tuple[Any, ...]:
        """Recipients whose decisions share this share one delivered copy: every field that is not only an
        explanation, so a field added later cannot be forgotten here."""
        return tuple(getattr(self, name) for name in self.__struct_fields__ if name not in self.EXPLAINS)

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        data["set_headers"] = dict(data["set_headers"])
        data["notifications"] = [{"to": who, "verdict_class": verdict} for who, verdict in data["notifications"]]
        data["disclaimer"] = data["disclaimer"] or None
        if data["action"] != HOLD:
            del data["hold_minutes"]
        return data

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> Mapping[str, Any]:
        set_headers, notifications = data.get("set_headers"), data.get("notifications")
        return {**data, "disclaimer": data.get("disclaimer") or "",
                "set_headers": list(set_headers.items()) if isinstance(set_headers, Mapping) else (),
                "notifications": [(n.get("to"), n.get("verdict_class")) for n in notifications or ()
                                  if isinstance(n, Mapping)]}
