"""Request bodies of the settings endpoints, and the settings documents both requests and answers carry.

A settings document is validated by mailgate.settings (every problem at once, each with its JSON path), so
here it stays a JSON object for pydantic; its declared shape is the JSON Schema msgspec writes for the
settings Struct it converts to (`document_of`), placed in the OpenAPI document's components by
`mailgate.api.app.openapi_document`. One request model per section, so each route declares its own section.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from mailgate.config import (
    AntispamSettings,
    AntivirusSettings,
    ContentFilterSettings,
    DeliverySettings,
    DkimSigningKey,
    DnsSettings,
    GatewayConfig,
    ModificationSettings,
    QuarantineLimits,
    Route,
    SenderLists,
)
from mailgate.notify.templates import NotificationSettings, Template
from mailgate.rules.table import Rule, RuleTable
from mailgate.settings.document import FORMAT, FORMAT_VERSION

COMPONENTS = "#/components/schemas/"
DOCUMENT_TYPES: set[type[msgspec.Struct]] = set()  # the settings Structs whose schemas the document carries


def document_of(struct: type[msgspec.Struct]) -> dict[str, str]:
    """A reference to `struct`'s JSON Schema, which openapi_document adds to the components."""
    DOCUMENT_TYPES.add(struct)
    return {"$ref": COMPONENTS + struct.__name__}


def shaped_as(struct: type[msgspec.Struct]) -> WithJsonSchema:
    """A field's schema: `struct`'s, under `allOf` because pydantic looks up a field's bare `$ref` among its
    own models (and a field's title and description may stand beside it)."""
    return WithJsonSchema({"allOf": [document_of(struct)]})


RouteDocument = Annotated[dict[str, Any], shaped_as(Route)]
DnsDocument = Annotated[dict[str, Any], shaped_as(DnsSettings)]
DeliveryDocument = Annotated[dict[str, Any], shaped_as(DeliverySettings)]
RuleTableDocument = Annotated[dict[str, Any], shaped_as(RuleTable)]
RuleDocument = Annotated[dict[str, Any], shaped_as(Rule)]
ContentFilterDocument = Annotated[dict[str, Any], shaped_as(ContentFilterSettings)]
AntivirusDocument = Annotated[dict[str, Any], shaped_as(AntivirusSettings)]
AntispamDocument = Annotated[dict[str, Any], shaped_as(AntispamSettings)]
ModificationsDocument = Annotated[dict[str, Any], shaped_as(ModificationSettings)]
QuarantineLimitsDocument = Annotated[dict[str, Any], shaped_as(QuarantineLimits)]
NotificationsDocument = Annotated[dict[str, Any], shaped_as(NotificationSettings)]
TemplateDocument = Annotated[dict[str, Any], shaped_as(Template)]
SenderListsDocument = Annotated[dict[str, Any], shaped_as(SenderLists)]
SettingsDocument = Annotated[dict[str, Any], shaped_as(GatewayConfig)]
SigningDocument = Annotated[dict[str, Any], WithJsonSchema({
    "type": "object", "additionalProperties": False,
    "description": "DKIM signing keys per From domain and the ARC sealing key (secret names, never keys); "
                   "PUT: a key left out is emptied",
    "properties": {"dkim_signing": {"type": "array", "items": document_of(DkimSigningKey)},
                   "arc_sealing": {"anyOf": [document_of(DkimSigningKey), {"type": "null"}]}}})]
ImportDocument = Annotated[dict[str, Any], WithJsonSchema({
    "type": "object", "additionalProperties": False, "required": ["format", "format_version", "settings"],
    "description": "a document as /settings/export writes it",
    "properties": {"format": {"const": FORMAT}, "format_version": {"const": FORMAT_VERSION},
                   "exported_at": {"type": "string"}, "settings_version": {"type": "integer"},
                   "settings": document_of(GatewayConfig)}})]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Version = Annotated[int, Field(ge=0, description="the settings version this change was made from (409 when stale)")]


class DomainsUpdate(_Body):
    version: Version
    domains: dict[str, RouteDocument] = Field(description="accepted domain → route, replacing all of them")


class SectionUpdate(_Body):
    """A section replaced whole; each section's model declares its `settings`."""

    version: Version


class ContentFilterUpdate(SectionUpdate):
    settings: ContentFilterDocument


class RulesUpdate(SectionUpdate):
    settings: RuleTableDocument


class AntivirusUpdate(SectionUpdate):
    settings: AntivirusDocument


class AntispamUpdate(SectionUpdate):
    settings: AntispamDocument


class ModificationsUpdate(SectionUpdate):
    settings: ModificationsDocument


class SpamQuarantineUpdate(SectionUpdate):
    settings: QuarantineLimitsDocument


class SigningUpdate(SectionUpdate):
    settings: SigningDocument


class NotificationsUpdate(SectionUpdate):
    settings: NotificationsDocument


class ListsUpdate(SectionUpdate):
    settings: SenderListsDocument


class GeneralUpdate(_Body):
    version: Version
    authserv_id: str | None = Field(default=None, max_length=253)
    bounce_from: str | None = Field(default=None, max_length=320)
    header_prefix: str | None = Field(default=None, max_length=40,
                                      description="names our verdict header fields, e.g. 'X-Mailgate-'")
    event_retention_days: int | None = Field(default=None, ge=1, le=3650)
    backup_retention_days: int | None = Field(default=None, ge=1, le=3650)
    backup_max_megabytes: int | None = Field(default=None, ge=1, le=10_000_000,
                                             description="Backup's size limit: the oldest entries go first beyond it")
    backup_self_release: list[Literal["antispam", "content_filter", "links", "authentication", "deny_list", "rule"]] \
        | None = Field(default=None, max_length=6, description="why an entry was kept for users to release it from "
                       "their personal Backup themselves (never anti-virus or anti-phishing)")
    dns: DnsDocument | None = Field(default=None, description="merged key by key into the DNS settings")
    delivery: DeliveryDocument | None = Field(default=None, description="merged key by key into the delivery "
                                                                        "settings")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude={"version"}, exclude_none=True)


class PersonalListsUpdate(_Body):
    version: int = Field(ge=0, description="the lists' version this change was made from (0: none yet; 409 when stale)")
    allow: list[str] = Field(default_factory=list, max_length=500,
                             description="senders whose mail skips Anti-Spam: addresses, *?-masks, domains")
    deny: list[str] = Field(default_factory=list, max_length=500, description="senders whose mail is Blacklisted")
    digest: bool | None = Field(default=None, description="send the daily Backup digest to this address (false: "
                                                          "opt out); absent or null: unchanged")


class DirectoryFilters(_Body):
    """LDAP search filters (RFC 4515) instead of the profile's; "" for groups or contacts reads none, null the
    profile's."""

    user: str | None = Field(default=None, max_length=2048, examples=["(objectClass=inetOrgPerson)"])
    group: str | None = Field(default=None, max_length=2048, examples=["(objectClass=groupOfNames)"])
    contact: str | None = Field(default=None, max_length=2048)


class DirectoryAttributes(_Body):
    """Attribute names instead of the profile's (null: the profile's)."""

    key: str | None = Field(default=None, max_length=128, description="a stable id: objectGUID, entryUUID")
    display_name: list[str] | None = Field(default=None, max_length=20)
    mail: list[str] | None = Field(default=None, max_length=20, description="plain addresses; first is primary")
    proxy_addresses: list[str] | None = Field(default=None, max_length=20, description="'SMTP:'/'smtp:' form")
    login: str | None = Field(default=None, max_length=128, description="sAMAccountName, uid")
    kerberos: str | None = Field(default=None, max_length=128, description="userPrincipalName")
    member: list[str] | None = Field(default=None, max_length=20, description="member DNs of a group")
    member_uid: str | None = Field(default=None, max_length=128, description="posixGroup members by login")
    member_of: str | None = Field(default=None, max_length=128, description="an entry's groups (memberOf)")
