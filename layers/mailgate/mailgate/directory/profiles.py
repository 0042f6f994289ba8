"""Which entries of a directory are users, groups and contacts, and which attributes say what: its schema.

Two profiles, each a set of search filters and attribute names:
- `active_directory` (Active Directory, Samba AD, or any LDAP server with AD's schema): users of class
  user that are not computers, groups of class group, contacts; objectGUID, proxyAddresses,
  userPrincipalName, sAMAccountName, memberOf, userAccountControl;
- `openldap` (stock OpenLDAP and other RFC 4519/2798/2307 directories): users inetOrgPerson or
  posixAccount, groups groupOfNames, groupOfUniqueNames or posixGroup (members by DN, or by login name
  in memberUid), no contacts; entryUUID, mail and mailAlternateAddress, uid, memberOf when the memberof
  overlay computes it.

A connection names its profile (by default the one of its kind) and may replace any filter or attribute
name; those are checked before they are saved (`problems`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from mailgate.directory.model import Kind

ProfileName = Literal["active_directory", "openldap"]
FilterText = Annotated[str, Meta(max_length=2048)]
AttributeName = Annotated[str, Meta(max_length=128)]
AttributeNames = Annotated[tuple[AttributeName, ...], Meta(max_length=20)]

# RFC 4512 §1.4: a descriptor (letters, digits, hyphens; a letter first) or a numeric OID.
_ATTRIBUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]{0,127}|[0-9]+(?:\.[0-9]+)+)$")


class Filters(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """Search filters used instead of the profile's; an empty group or contact filter reads none."""

    user: FilterText | None = None
    group: FilterText | None = None
    contact: FilterText | None = None


class Attributes(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """Attribute names used instead of the profile's (lists: every attribute is read, in that order)."""

    key: AttributeName | None = None  # a stable identifier that survives renames (objectGUID, entryUUID)
    display_name: AttributeNames | None = None  # the first one an entry has
    mail: AttributeNames | None = None  # plain addresses; the first value of the first one is primary
    proxy_addresses: AttributeNames | None = None  # Exchange style 'SMTP:primary', 'smtp:alias'
    login: AttributeName | None = None  # sAMAccountName, uid; also what memberUid names
    kerberos: AttributeName | None = None  # userPrincipalName
    member: AttributeNames | None = None  # member DNs of a group (nested groups are members too)
    member_uid: AttributeName | None = None  # posixGroup: members by login name
    member_of: AttributeName | None = None  # an entry's groups, when the directory computes them


@dataclass(frozen=True)
class Profile:
    """A resolved schema: what a sync searches for and reads."""

    name: ProfileName
    filters: dict[Kind, str]  # "" reads no entries of that kind
    key: str
    display_name: tuple[str, ...]
    mail: tuple[str, ...]
    proxy_addresses: tuple[str, ...]
    login: str
    kerberos: str
    member: tuple[str, ...]
    member_uid: str
    member_of: str
    usn: str = ""  # AD's uSNChanged (incremental reads)
    account_control: str = ""  # AD's userAccountControl (disabled accounts)

    def attributes(self, kind: Kind) -> list[str]:
        """The attributes to ask for (operational ones such as entryUUID and memberOf only come when named)."""
        names = [self.key, *self.display_name, *self.mail, *self.proxy_addresses, self.login, self.kerberos,
                 self.member_of, self.usn, self.account_control]
        if kind == "group":
            names += [*self.member, self.member_uid]
        return list(dict.fromkeys(n for n in names if n))

    def describe(self) -> str:
        """What an incremental read must share with the read it builds on."""
        return msgspec.json.encode([self.name, sorted(self.filters.items()), self.attributes("group")]).decode()


PROFILES: dict[ProfileName, Profile] = {
    "active_directory": Profile(
        name="active_directory",
        # computers are of class user too; objectCategory would do, but only AD computes it
        filters={"user": "(&(objectClass=user)(!(objectClass=computer)))", "group": "(objectClass=group)",
                 "contact": "(objectClass=contact)"},
        key="objectGUID", display_name=("displayName", "cn"), mail=("mail",), proxy_addresses=("proxyAddresses",),
        login="sAMAccountName", kerberos="userPrincipalName", member=("member",), member_uid="",
        member_of="memberOf", usn="uSNChanged", account_control="userAccountControl"),
    "openldap": Profile(
        name="openldap",
        filters={"user": "(|(objectClass=inetOrgPerson)(objectClass=posixAccount))",
                 "group": "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
                 "contact": ""},
        key="entryUUID", display_name=("displayName", "cn"), mail=("mail", "mailAlternateAddress"),
        proxy_addresses=(), login="uid", kerberos="", member=("member", "uniqueMember"), member_uid="memberUid",
        member_of="memberOf"),
}


def default_profile(kind: str) -> ProfileName:
    return "active_directory" if kind == "active_directory" else "openldap"


def resolve(name: ProfileName, filters: Filters, attributes: Attributes) -> Profile:
    """The named profile with the connection's own filters and attribute names in place of its own."""
    base = PROFILES[name]
    given: tuple[tuple[Kind, str | None], ...] = (("user", filters.user), ("group", filters.group),
                                                  ("contact", filters.contact))
    chosen = {kind: value for kind, value in given if value is not None}
    overrides = {f.name: getattr(attributes, f.name) for f in msgspec.structs.fields(Attributes)
                 if getattr(attributes, f.name) is not None}
    return replace(base, filters={**base.filters, **chosen}, **overrides)


def problems(filters: Filters, attributes: Attributes) -> list[tuple[str, str]]:
    """(path, message) for each filter that is not an LDAP filter (RFC 4515) and each bad attribute name."""
    from ldap3.core.exceptions import LDAPInvalidFilterError  # noqa: PLC0415
    from ldap3.operation.search import parse_filter  # noqa: PLC0415

    found: list[tuple[str, str]] = []
    for kind in ("user", "group", "contact"):
        text = getattr(filters, kind)
        if text is None or (text == "" and kind != "user"):
            continue
        try:
            parse_filter(text, None, False, False, None, False)
        except (LDAPInvalidFilterError, ValueError, IndexError, TypeError) as exc:
            found.append((f"filters.{kind}", f"not an LDAP search filter (RFC 4515) such as "
                                             f"'(objectClass=inetOrgPerson)': {exc}"))
    for field in msgspec.structs.fields(Attributes):
        value = getattr(attributes, field.name)
        single = isinstance(value, str)
        for index, name in enumerate((value,) if single else value or ()):
            where = f"attributes.{field.name}" if single else f"attributes.{field.name}[{index}]"
            if name == "" and single and field.name != "key":
                continue  # "" reads no such attribute (e.g. no Kerberos names)
            if not _ATTRIBUTE.match(name):
                found.append((where, f"{name!r} is not an attribute name (letters, digits and hyphens, or an OID)"))
    return found
