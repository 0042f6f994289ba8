"""Request bodies of the settings endpoints. Their inner settings are validated by mailgate.settings,
which reports every problem with its JSON path; these models give the OpenAPI document its shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DomainsUpdate(_Body):
    version: int = Field(ge=0, description="the settings version this change was made from (409 when stale)")
    domains: dict[str, dict[str, Any]] = Field(description="accepted domain → route, replacing all of them")


class SectionUpdate(_Body):
    version: int = Field(ge=0, description="the settings version this change was made from (409 when stale)")
    settings: dict[str, Any] = Field(description="the module's settings, replacing them whole")


class GeneralUpdate(_Body):
    version: int = Field(ge=0, description="the settings version this change was made from (409 when stale)")
    authserv_id: str | None = Field(default=None, max_length=253)
    bounce_from: str | None = Field(default=None, max_length=320)
    header_prefix: str | None = Field(default=None, max_length=40,
                                      description="names our verdict header fields, e.g. 'X-Mailgate-'")
    event_retention_days: int | None = Field(default=None, ge=1, le=3650)
    backup_retention_days: int | None = Field(default=None, ge=1, le=3650)
    dns: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude={"version"}, exclude_none=True)


class PersonalListsUpdate(_Body):
    version: int = Field(ge=0, description="the lists' version this change was made from (0: none yet; 409 when stale)")
    allow: list[str] = Field(default_factory=list, max_length=500,
                             description="senders whose mail skips Anti-Spam: addresses, *?-masks, domains")
    deny: list[str] = Field(default_factory=list, max_length=500, description="senders whose mail is Blacklisted")
