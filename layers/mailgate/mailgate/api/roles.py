"""Roles from Cognito groups, and the principal a request acts as.

API Gateway's Cognito authorizer has verified the token; its claims arrive as strings
(`cognito:groups` as "A,B", "A B" or "[A B]"), while a directly decoded token has a list. Both are
read here, so the rest of the API sees one `Principal`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mailgate.api.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    ADMINISTRATOR = "Administrator"  # everything
    SECURITY_OFFICER = "SecurityOfficer"  # Backup, event log, allow/deny lists; no settings
    AUDITOR = "Auditor"  # read-only everywhere
    PERSONAL_USER = "PersonalUser"  # only their own Backup messages and events


ALL_ROLES: frozenset[Role] = frozenset(Role)
READERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER, Role.AUDITOR})
OPERATORS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER})
SETTINGS_READERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})
ADMINISTRATORS: frozenset[Role] = frozenset({Role.ADMINISTRATOR})
# Who may change their own personal lists: everyone but a pure Auditor, whose role changes nothing (an auditor
# who also has a mailbox holds PersonalUser for it).
OWN_LIST_WRITERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER, Role.PERSONAL_USER})

# Extra addresses of a personal user, comma separated, beside the `email` claim.
ADDRESSES_CLAIM = "custom:addresses"


def groups_from_claim(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [g for g in re.split(r"[\s,]+", str(value).strip().strip("[]")) if g]


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    addresses: tuple[str, ...]  # lowercased e-mail addresses of the account
    roles: frozenset[Role]

    @property
    def who(self) -> str:
        """How the audit trail names this person."""
        mail = f" <{self.addresses[0]}>" if self.addresses else ""
        return f"{self.username or self.subject}{mail}"

    @property
    def is_personal_only(self) -> bool:
        """A personal user and nothing more: every answer is limited to their own mail."""
        return not (self.roles & READERS)

    def owns(self, recipients: Iterable[str]) -> bool:
        mine = set(self.addresses)
        return any(r.strip().lower() in mine for r in recipients)


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal:
    if not claims or not claims.get("sub"):
        raise Unauthenticated("a valid bearer token is required")
    known = {r.value for r in Role}
    roles = frozenset(Role(g) for g in groups_from_claim(claims.get("cognito:groups")) if g in known)
    # An address is the caller's only as the pool vouches for it: `email` once verified (a change waits for
    # verification), `custom:addresses` as administrators or the directory sync set it (users cannot write it).
    verified = str(claims.get("email_verified", "")).lower() == "true"
    addresses = [str(claims.get("email") or "")] if verified else []
    addresses += str(claims.get(ADDRESSES_CLAIM) or "").split(",")
    return Principal(
        subject=str(claims["sub"]),
        username=str(claims.get("cognito:username") or claims.get("username") or ""),
        addresses=tuple(dict.fromkeys(a.strip().lower() for a in addresses if a.strip())),
        roles=roles,
    )


def authorize(principal: Principal, allowed: frozenset[Role]) -> None:
    if not principal.roles & allowed:
        needed = ", ".join(sorted(allowed))
        raise Forbidden(f"this operation needs one of the roles {needed}")
