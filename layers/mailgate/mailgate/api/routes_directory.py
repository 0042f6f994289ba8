"""The directory: LDAP/AD connections, synchronisation on demand and its status, duplicates, search.

Passwords are write-only: a connection is answered without it, always. Administrators change
connections and start syncs; the other readers (SecurityOfficer, Auditor) look.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.errors import ApiError, NotFound
from mailgate.api.guard import endpoint
from mailgate.api.ports import Ports
from mailgate.api.responses import (
    Accounts,
    Connections,
    ConnectionView,
    ConnectionWithStatus,
    Deleted,
    Duplicates,
    Resolution,
    SyncRun,
    SyncStarted,
)
from mailgate.api.roles import ADMINISTRATORS, READERS
from mailgate.api.schemas import DirectoryAttributes, DirectoryFilters
from mailgate.directory.connection import Connection
from mailgate.directory.service import DirectoryAdmin

ConnectionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
SyncId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class Unavailable(ApiError):
    http_status = 503
    error_code = "directory_unavailable"


class ServerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field(min_length=1, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535)


class ConnectionBody(BaseModel):
    """A connection as the administrator writes it; `password` is stored in Secrets Manager, never shown."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    domain: str = Field(min_length=1, max_length=253, description="the mail domain; also where SRV records are")
    kind: Literal["active_directory", "ldap"] = "active_directory"
    profile: Literal["active_directory", "openldap"] | None = Field(
        default=None, description="the directory's schema; default: active_directory for AD, openldap for ldap")
    filters: DirectoryFilters | None = None
    attributes: DirectoryAttributes | None = None
    servers: list[ServerBody] = Field(default_factory=list, max_length=10,
                                      description="empty: discover domain controllers from _ldap._tcp SRV records")
    base_dn: str = Field(min_length=1, max_length=512)
    bind_dn: str = Field(min_length=1, max_length=512, description="DN, user@domain, or DOMAIN\\user for NTLM")
    bind_method: Literal["simple", "ntlm"] = "simple"
    password: str | None = Field(default=None, min_length=1, max_length=1024, description="write-only")
    password_secret: str | None = Field(default=None, max_length=512,
                                        description="instead of password: an existing secret under mailgate/ldap/")
    tls: Literal["ldaps", "starttls"] = "ldaps"
    ca_pem: str | None = Field(default=None, max_length=65536, description="a custom CA (PEM)")
    tls_server_name: str | None = Field(default=None, max_length=253)
    netbios_domain: str | None = Field(default=None, max_length=15)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    read_timeout_seconds: int = Field(default=30, ge=1, le=600)
    read_contacts: bool = True
    schedule_minutes: int = Field(default=30, ge=30, le=10080)
    page_size: int = Field(default=500, ge=10, le=1000)

    def fields(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"password"}, exclude_none=True)
        data["servers"] = [s.model_dump(exclude_none=True) for s in self.servers]
        return data


def _shown(connection: Connection) -> dict[str, Any]:
    return connection.public()


def directory_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def admin() -> DirectoryAdmin:
        found = ports.directory()
        if found is None:
            raise Unavailable("no directory table is configured for this gateway")
        return found

    @endpoint(router, "GET", "/directory/connections", READERS, errors=(503,), tags=["directory"])
    def list_connections() -> Connections:
        """Every LDAP/AD connection with its synchronisation status."""
        service = admin()
        return Connections.model_validate({"items": [{**_shown(c), "status": service.status(c.connection_id).to_dict()}
                                                     for c in service.connections()]})

    @endpoint(router, "POST", "/directory/connections", ADMINISTRATORS, status=201, errors=(409, 503),
              tags=["directory"])
    def create_connection(body: ConnectionBody) -> ConnectionView:
        """Add a connection (409 when another one reads the same domain with the same search base)."""
        connection = admin().create(body.fields(), body.password)
        return ConnectionView.model_validate(_shown(connection))

    @endpoint(router, "GET", "/directory/connections/<connection_id>", READERS, errors=(404, 503), tags=["directory"])
    def get_connection(connection_id: ConnectionId) -> ConnectionWithStatus:
        """One connection and its synchronisation status (never its password)."""
        service = admin()
        return ConnectionWithStatus.model_validate({**_shown(service.connection(connection_id)),
                                                     "status": service.status(connection_id).to_dict()})

    @endpoint(router, "PUT", "/directory/connections/<connection_id>", ADMINISTRATORS, errors=(404, 409, 503),
              tags=["directory"])
    def replace_connection(connection_id: ConnectionId, body: ConnectionBody) -> ConnectionView:
        """Replace a connection's settings; without `password` the stored one is kept."""
        return ConnectionView.model_validate(_shown(admin().replace(connection_id, body.fields(), body.password)))

    @endpoint(router, "DELETE", "/directory/connections/<connection_id>", ADMINISTRATORS, errors=(404, 503),
              tags=["directory"])
    def delete_connection(connection_id: ConnectionId) -> Deleted:
        """Delete a connection, its stored password and everything cached from it."""
        admin().delete(connection_id)
        return Deleted(deleted=connection_id)

    @endpoint(router, "POST", "/directory/connections/<connection_id>/sync", ADMINISTRATORS, status=202,
              errors=(404, 503), tags=["directory"])
    def start_sync(connection_id: ConnectionId) -> SyncStarted:
        """Synchronise now, asynchronously: 202 with the sync id whose status to read."""
        run = admin().start_sync(connection_id)
        return SyncStarted(sync_id=run.sync_id, state=run.state,
                           status=f"/directory/connections/{connection_id}/sync/{run.sync_id}")

    @endpoint(router, "GET", "/directory/connections/<connection_id>/sync/<sync_id>", READERS, errors=(404, 503),
              tags=["directory"])
    def get_sync(connection_id: ConnectionId, sync_id: SyncId) -> SyncRun:
        """One sync: queued, running, succeeded, failed or skipped, with counts and errors."""
        run = admin().run(connection_id, sync_id)
        if run is None:
            raise NotFound(f"no sync {sync_id} for connection {connection_id}")
        return SyncRun.model_validate(run.to_dict())

    @endpoint(router, "GET", "/directory/duplicates", READERS, errors=(503,), tags=["directory"])
    def list_duplicates() -> Duplicates:
        """Duplicate display names, Kerberos/NTLM names and addresses, each with its consequence."""
        return Duplicates.model_validate({"items": [d.to_dict() for d in admin().duplicates()]})

    @endpoint(router, "GET", "/directory/search", READERS, errors=(503,), tags=["directory"])
    def search_directory(
        q: Annotated[str, Query(min_length=1, max_length=256, description="a prefix of a name or address")],
        limit: Annotated[int, Query(ge=1, le=50)] = 20,
    ) -> Accounts:
        """Autocomplete senders and recipients: accounts whose name, a word of it, or an address starts so."""
        return Accounts.model_validate({"items": [a.to_dict() for a in admin().search(q, limit)]})

    @endpoint(router, "GET", "/directory/resolve", READERS, errors=(404, 503), tags=["directory"])
    def resolve_address(address: Annotated[str, Query(min_length=3, max_length=320)]) -> Resolution:
        """An address's account and every group it is in (nested groups too)."""
        found = admin().resolve(address)
        if found is None:
            raise NotFound(f"{address} is not in the directory")
        return Resolution.model_validate({
            "address": found.address, "account": found.account.to_dict() if found.account else None,
            "groups": [g.to_dict() for g in found.groups], "personal_allowed": found.personal_allowed,
            "duplicates": list(found.duplicates)})

    return router
