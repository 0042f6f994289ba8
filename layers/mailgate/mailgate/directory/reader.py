"""Reading a directory with ldap3: one bound session, paged searches, entries as plain `Entry` data.

Values are taken from the raw attributes (bytes), so nothing depends on ldap3 loading the
server's schema (slow against AD, and absent for rootDSE-only attributes). ldap3 errors become
`SyncFailed` with the kind the administrator acts on: unreachable, tls, credentials, protocol.
"""

from __future__ import annotations

import contextlib
import math
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mailgate.directory.connection import Connection
from mailgate.directory.discovery import Endpoint
from mailgate.directory.errors import SyncFailed
from mailgate.directory.model import Entry, Kind, normalise

FILTERS: dict[Kind, str] = {"user": "(objectClass=user)", "group": "(objectClass=group)",
                            "contact": "(objectClass=contact)"}
# AD's computer accounts are of class user too; objectCategory exists only in AD (elsewhere the filter matches nothing).
AD_FILTERS: dict[Kind, str] = {**FILTERS, "user": "(&(objectCategory=person)(objectClass=user))"}
ATTRIBUTES = ["objectGUID", "displayName", "cn", "mail", "proxyAddresses", "userPrincipalName", "sAMAccountName",
              "memberOf", "uSNChanged", "userAccountControl"]
ACCOUNT_DISABLED = 0x2  # userAccountControl ACCOUNTDISABLE


@dataclass(frozen=True)
class RootInfo:
    highest_usn: int | None  # AD only
    service_name: str  # AD: the DN of this DC's NTDS settings; identifies whose USNs these are
    default_nc: str
    config_nc: str


def _text(raw: dict[str, list[bytes]], name: str) -> list[str]:
    return [v.decode("utf-8", "replace") for v in raw.get(name) or []]


def _first(raw: dict[str, list[bytes]], name: str) -> str:
    values = _text(raw, name)
    return values[0] if values else ""


def _integer(raw: dict[str, list[bytes]], name: str) -> int:
    try:
        return int(_first(raw, name) or 0)
    except ValueError:
        return 0


def smtp_addresses(mail: list[str], proxies: list[str]) -> tuple[tuple[str, ...], str]:
    """Every SMTP address (mail + proxyAddresses smtp:/SMTP:), lower case, primary first; and the primary.

    'SMTP:' in capitals marks the primary (Exchange's convention); without one, `mail` is primary.
    """
    primary = ""
    found: list[str] = []
    for proxy in proxies:
        scheme, _, address = proxy.partition(":")
        if scheme.lower() != "smtp" or "@" not in address:
            continue  # X500:, SIP:, x400: … are not mail addresses
        address = address.strip().lower()
        if scheme == "SMTP" and not primary:
            primary = address
        found.append(address)
    for address in mail:
        found.append(address.strip().lower())
    if not primary and mail:
        primary = mail[0].strip().lower()
    unique = list(dict.fromkeys(a for a in found if "@" in a))
    if primary in unique:
        unique.remove(primary)
        unique.insert(0, primary)
    return tuple(unique), primary


def entry_from(kind: Kind, dn: str, raw: dict[str, list[bytes]], members: list[str]) -> Entry:
    guid = (raw.get("objectGUID") or [b""])[0]
    key = str(uuid.UUID(bytes_le=guid)) if len(guid) == 16 else normalise(dn)
    addresses, primary = smtp_addresses(_text(raw, "mail"), _text(raw, "proxyAddresses"))
    return Entry(
        key=key, kind=kind, dn=dn,
        display_name=(_first(raw, "displayName") or _first(raw, "cn")).strip(),
        addresses=addresses, primary=primary,
        upn=_first(raw, "userPrincipalName").lower(),
        sam=_first(raw, "sAMAccountName"),
        members=tuple(sorted({normalise(m) for m in members})),
        member_of=tuple(sorted({normalise(g) for g in _text(raw, "memberOf")})),
        usn=_integer(raw, "uSNChanged"),
        disabled=bool(_integer(raw, "userAccountControl") & ACCOUNT_DISABLED),
    )


def classify(exc: BaseException) -> SyncFailed:
    """An ldap3 or socket error as the kind of failure an administrator fixes."""
    from ldap3.core import exceptions as e  # noqa: PLC0415

    text = str(exc) or type(exc).__name__
    if isinstance(exc, SyncFailed):
        return exc
    if isinstance(exc, e.LDAPInvalidCredentialsResult):
        return SyncFailed("credentials", f"the directory refused the bind account or password: {text}")
    if isinstance(exc, e.LDAPCertificateError | ssl.SSLError | e.LDAPStartTLSError) or (
            "ssl" in text.lower() or "certificate" in text.lower()):
        return SyncFailed("tls", f"TLS with the directory failed (certificate not trusted or wrong name?): {text}")
    if isinstance(exc, e.LDAPCommunicationError | e.LDAPSessionTerminatedByServerError | OSError
                  | e.LDAPSocketOpenError | e.LDAPResponseTimeoutError):
        return SyncFailed("unreachable", f"the directory server did not answer: {text}")
    if isinstance(exc, e.LDAPOperationResult):
        return SyncFailed("protocol", f"the directory answered with an error: {text}")
    return SyncFailed("protocol", f"{type(exc).__name__}: {text}")


class LdapSession:
    """A bound, read-only ldap3 connection to one endpoint."""

    def __init__(self, conn: Connection, endpoint: Endpoint, password: str) -> None:
        self.conn = conn
        self.endpoint = endpoint
        self._filters = AD_FILTERS if conn.kind == "active_directory" else FILTERS
        self._ldap = self._bind(password)

    def _bind(self, password: str) -> Any:
        import ldap3  # noqa: PLC0415

        conn, endpoint = self.conn, self.endpoint
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_data=conn.ca_pem,
                        valid_names=[endpoint.tls_name])
        server = ldap3.Server(endpoint.host, port=endpoint.port, use_ssl=conn.tls == "ldaps", tls=tls,
                              get_info=ldap3.NONE, connect_timeout=conn.connect_timeout_seconds)
        method = ldap3.NTLM if conn.bind_method == "ntlm" else ldap3.SIMPLE
        ldap = ldap3.Connection(server, user=conn.bind_dn, password=password, authentication=method,
                                read_only=True, raise_exceptions=True, auto_range=True, check_names=False,
                                receive_timeout=math.ceil(conn.read_timeout_seconds), auto_referrals=False)
        try:
            ldap.open()
            if conn.tls == "starttls":
                ldap.start_tls()
            ldap.bind()
        except Exception as exc:
            with contextlib.suppress(Exception):  # the connection may never have opened
                ldap.unbind()
            raise classify(exc) from exc
        return ldap

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a connection that already broke
            self._ldap.unbind()

    def root(self) -> RootInfo:
        import ldap3  # noqa: PLC0415

        names = ["highestCommittedUSN", "dsServiceName", "defaultNamingContext", "configurationNamingContext"]
        try:
            self._ldap.search("", "(objectClass=*)", ldap3.BASE, attributes=names)
        except Exception as exc:
            raise classify(exc) from exc
        raw = self._ldap.response[0].get("raw_attributes", {}) if self._ldap.response else {}
        usn = _first(raw, "highestCommittedUSN")
        return RootInfo(int(usn) if usn.isdigit() else None, _first(raw, "dsServiceName"),
                        _first(raw, "defaultNamingContext"), _first(raw, "configurationNamingContext"))

    def netbios_name(self, root: RootInfo) -> str:
        """AD's NetBIOS domain name (the DOMAIN of DOMAIN\\user), from the partitions container."""
        import ldap3  # noqa: PLC0415

        if not root.config_nc or not root.default_nc:
            return ""
        try:
            self._ldap.search(f"CN=Partitions,{root.config_nc}",
                              f"(&(objectClass=crossRef)(nCName={root.default_nc}))", ldap3.LEVEL,
                              attributes=["nETBIOSName"])
        except Exception:  # a bind account without rights to the configuration partition: fall back
            return ""
        for item in self._ldap.response or []:
            name = _first(item.get("raw_attributes", {}), "nETBIOSName")
            if name:
                return name.upper()
        return ""

    def _search(self, search_filter: str, attributes: list[str]) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        import ldap3  # noqa: PLC0415

        pages = self._ldap.extend.standard.paged_search(
            self.conn.base_dn, search_filter, ldap3.SUBTREE, attributes=attributes,
            paged_size=self.conn.page_size, generator=True)
        try:
            for item in pages:
                if item.get("type") == "searchResEntry":
                    yield item["dn"], item.get("raw_attributes", {})
        except Exception as exc:
            raise classify(exc) from exc

    def entries(self, kind: Kind, since_usn: int | None = None) -> Iterator[Entry]:
        """Every entry of a kind; with `since_usn`, only those changed after it (AD's uSNChanged)."""
        search_filter = self._filters[kind]
        if since_usn is not None:
            search_filter = f"(&{search_filter}(uSNChanged>={since_usn + 1}))"
        attributes = [*ATTRIBUTES, "member"] if kind == "group" else ATTRIBUTES
        for dn, raw in self._search(search_filter, attributes):
            members = _member_values(raw)
            yield entry_from(kind, dn, raw, members)

    def keys(self, kinds: tuple[Kind, ...]) -> set[str]:
        """The key of every entry still there: what an incremental read needs to notice deletions."""
        found: set[str] = set()
        for kind in kinds:
            for dn, raw in self._search(self._filters[kind], ["objectGUID"]):
                guid = (raw.get("objectGUID") or [b""])[0]
                found.add(str(uuid.UUID(bytes_le=guid)) if len(guid) == 16 else normalise(dn))
        return found


def _member_values(raw: dict[str, list[bytes]]) -> list[str]:
    """`member`, also when AD returns it in ranges (`member;range=0-1499`: ldap3's auto_range merges them)."""
    values: list[str] = []
    for name, items in raw.items():
        if name.lower() == "member" or name.lower().startswith("member;range="):
            values += [v.decode("utf-8", "replace") for v in items]
    return values


def open_session(conn: Connection, endpoint: Endpoint, password: str) -> LdapSession:
    return LdapSession(conn, endpoint, password)
