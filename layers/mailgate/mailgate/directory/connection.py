"""An LDAP or Active Directory connection as the administrator configures it.

Validated field by field (every problem reported at once, with its path) because the API answers
422 with all of them. The password itself is never part of the model: only the name of the
Secrets Manager secret that holds it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from mailgate.directory.errors import ConnectionInvalid
from mailgate.directory.model import normalise
from mailgate.directory.profiles import Attributes, Filters, Profile, ProfileName, default_profile, resolve
from mailgate.directory.profiles import problems as schema_problems
from mailgate.secret_names import LDAP, is_under

Port = Annotated[int, Meta(ge=1, le=65535)]
SYNC_TICK_MINUTES = 30  # the EventBridge schedule's rate: a connection's schedule is rounded up to ticks

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$", re.IGNORECASE)
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$", re.IGNORECASE)
_DN_PART = re.compile(r"^\s*[a-z][a-z0-9-]*\s*=\s*\S.*$", re.IGNORECASE)
_NETBIOS = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,14}$", re.IGNORECASE)
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")
SECRET_PREFIX = LDAP  # bind passwords live only here: no connection may name another secret (a DKIM key…)


class ServerAddress(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    host: str
    port: Port | None = None  # default: 636 with LDAPS, 389 with StartTLS


class Connection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One directory to read. `servers` empty means: discover domain controllers from DNS SRV."""

    connection_id: str
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    domain: str  # the mail domain this directory serves (also the SRV domain)
    kind: Literal["active_directory", "ldap"] = "active_directory"
    profile: ProfileName | None = None  # the directory's schema; default: active_directory for AD, else openldap
    filters: Filters = Filters()  # instead of the profile's search filters
    attributes: Attributes = Attributes()  # instead of the profile's attribute names
    servers: tuple[ServerAddress, ...] = ()
    base_dn: str
    bind_dn: Annotated[str, Meta(min_length=1, max_length=512)]  # DN, UPN, or DOMAIN\\user for NTLM
    bind_method: Literal["simple", "ntlm"] = "simple"
    password_secret: str  # Secrets Manager name under mailgate/ldap/
    tls: Literal["ldaps", "starttls"] = "ldaps"
    ca_pem: Annotated[str, Meta(max_length=65536)] | None = None  # custom CA; default: the system's CAs
    tls_server_name: str | None = None  # the name the certificate must carry, when it differs from the host
    netbios_domain: str | None = None  # DOMAIN of DOMAIN\\user; AD's own is read when not given
    connect_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 5.0
    read_timeout_seconds: Annotated[int, Meta(ge=1, le=600)] = 30
    read_contacts: bool = True
    schedule_minutes: Annotated[int, Meta(ge=SYNC_TICK_MINUTES, le=10080)] = 30
    page_size: Annotated[int, Meta(ge=10, le=1000)] = 500  # AD caps pages at 1000

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "domain", self.domain.strip().lower().rstrip("."))
        if self.profile is None:
            msgspec.structs.force_setattr(self, "profile", default_profile(self.kind))

    def schema(self) -> Profile:
        """The profile with this connection's own filters and attribute names."""
        return resolve(self.profile or default_profile(self.kind), self.filters, self.attributes)

    @property
    def domain_key(self) -> tuple[str, str]:
        """Two connections may serve one domain only with different search bases."""
        return self.domain.lower().rstrip("."), normalise(self.base_dn)

    def default_port(self) -> int:
        return 636 if self.tls == "ldaps" else 389

    def public(self) -> dict[str, Any]:
        """What the API shows: everything but secrets (there are none in the model besides the name)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


def _problems(conn: Connection) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def bad(path: str, message: str) -> None:
        found.append({"path": path, "message": message})

    if not _DOMAIN.match(conn.domain.rstrip(".")):
        bad("domain", "must be a DNS domain such as example.com")
    if not conn.base_dn.strip() or not all(_DN_PART.match(p) for p in conn.base_dn.split(",")):
        bad("base_dn", "must be a distinguished name such as DC=example,DC=com")
    for index, server in enumerate(conn.servers):
        if not _HOST.match(server.host) or ".." in server.host:
            bad(f"servers[{index}].host", "must be a host name or an IPv4 address")
    if len(conn.servers) > 10:
        bad("servers", "at most 10 servers")
    if not is_under(conn.password_secret, (SECRET_PREFIX,)):
        bad("password_secret", f"must be a Secrets Manager name under {SECRET_PREFIX} (bind passwords live "
                               "there; a connection may not name any other secret)")
    if conn.ca_pem is not None and not _PEM.search(conn.ca_pem):
        bad("ca_pem", "must be one or more PEM certificates (-----BEGIN CERTIFICATE-----)")
    if conn.tls_server_name is not None and not _HOST.match(conn.tls_server_name):
        bad("tls_server_name", "must be a host name")
    if conn.netbios_domain is not None and not _NETBIOS.match(conn.netbios_domain):
        bad("netbios_domain", "must be a NetBIOS domain name of at most 15 characters")
    if conn.bind_method == "ntlm" and "\\" not in conn.bind_dn:
        bad("bind_dn", "an NTLM bind needs DOMAIN\\user")
    for path, message in schema_problems(conn.filters, conn.attributes):
        bad(path, message)
    return found


def parse_connection(data: dict[str, Any]) -> Connection:
    """A validated Connection, or ConnectionInvalid listing every problem with its path."""
    try:
        conn = msgspec.convert(data, type=Connection)
    except msgspec.ValidationError as exc:
        text = str(exc)
        path = text.rpartition("`$.")[2].rstrip("`") if "`$." in text else ""
        message = text.partition(" - at ")[0]
        raise ConnectionInvalid([{"path": path or "connection", "message": message}]) from exc
    problems = _problems(conn)
    if problems:
        raise ConnectionInvalid(problems)
    return conn
