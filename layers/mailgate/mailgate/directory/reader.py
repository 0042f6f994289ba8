"""Reading a directory with ldap3: one bound session, paged searches, entries as plain `Entry` data.

What is searched and which attributes mean what comes from the connection's schema profile
(`mailgate.directory.profiles`). Values are taken from the raw attributes (bytes), so nothing depends on
ldap3 loading the server's schema (slow against AD, and absent for rootDSE-only attributes). ldap3
errors become `SyncFailed` with the kind the administrator acts on: unreachable, tls, credentials, protocol.
"""

from __future__ import annotations

import contextlib
import math
import re
import ssl
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mailgate.directory.connection import Connection
from mailgate.directory.discovery import Endpoint
from mailgate.directory.errors import SyncFailed
from mailgate.directory.model import Entry, Kind, normalise
from mailgate.directory.profiles import PROFILES, Profile

ACCOUNT_DISABLED = 0x2  # userAccountControl ACCOUNTDISABLE
SAMPLE_ENTRIES = 200  # how many entries a sync that found no users looks at, to say what the base DN holds
_UNIQUE_MEMBER_UID = re.compile(r"#'[01]*'B$")  # uniqueMember: a DN, optionally followed by #'0101'B
Raw = Mapping[str, list[bytes]]


@dataclass(frozen=True)
class RootInfo:
    highest_usn: int | None  # AD only
    service_name: str  # AD: the DN of this DC's NTDS settings; identifies whose USNs these are
    default_nc: str
    config_nc: str


def _text(raw: Raw, name: str) -> list[str]:
    return [v.decode("utf-8", "replace") for v in raw.get(name) or []] if name else []


def _texts(raw: Raw, names: tuple[str, ...]) -> list[str]:
    return [value for name in names for value in _text(raw, name)]


def _first(raw: Raw, name: str) -> str:
    values = _text(raw, name)
    return values[0] if values else ""


def _integer(raw: Raw, name: str) -> int:
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


def _lower_names(raw: Raw) -> dict[str, list[bytes]]:
    """Attribute names as the server spells them differ from the profile's ('mail' vs 'MAIL'): compare folded."""
    folded: dict[str, list[bytes]] = {}
    for name, values in raw.items():
        folded.setdefault(name.lower(), []).extend(values)
    return folded


def entry_key(raw: Raw, key_attribute: str, dn: str) -> str:
    """objectGUID (16 bytes, shown as AD shows it), a textual key such as entryUUID, else the DN."""
    value = (raw.get(key_attribute.lower()) or [b""])[0]
    if key_attribute.lower() == "objectguid" and len(value) == 16:
        return str(uuid.UUID(bytes_le=value))
    text = value.decode("utf-8", "replace").strip().lower()
    return text or normalise(dn)


def entry_from(kind: Kind, dn: str, raw: Raw, profile: Profile = PROFILES["active_directory"]) -> Entry:
    raw = _lower_names(raw)
    low = {name: name.lower() for name in profile.attributes("group")}
    addresses, primary = smtp_addresses(_texts(raw, tuple(low[n] for n in profile.mail)),
                                        _texts(raw, tuple(low[n] for n in profile.proxy_addresses)))
    display = next((v for n in profile.display_name if (v := _first(raw, low[n]).strip())), "")
    members = _member_values(raw, tuple(low[n] for n in profile.member)) if kind == "group" else []
    uids = _text(raw, low.get(profile.member_uid, "")) if kind == "group" else []
    return Entry(
        key=entry_key(raw, profile.key, dn), kind=kind, dn=dn,
        display_name=display,
        addresses=addresses, primary=primary,
        upn=_first(raw, low.get(profile.kerberos, "")).lower(),
        sam=_first(raw, low.get(profile.login, "")),
        members=tuple(sorted({normalise(_UNIQUE_MEMBER_UID.sub("", m)) for m in members})),
        member_uids=tuple(sorted({u.strip().lower() for u in uids if u.strip()})),
        member_of=tuple(sorted({normalise(g) for g in _text(raw, low.get(profile.member_of, ""))})),
        usn=_integer(raw, low.get(profile.usn, "")),
        disabled=bool(_integer(raw, low.get(profile.account_control, "")) & ACCOUNT_DISABLED),
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
        self.profile = conn.schema()
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

    def _search(self, search_filter: str, attributes: list[str]) -> Iterator[tuple[str, Raw]]:
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
        search_filter = self.profile.filters[kind]
        if not search_filter:
            return  # the profile reads no entries of this kind (OpenLDAP has no contacts)
        if since_usn is not None and self.profile.usn:
            search_filter = f"(&{search_filter}({self.profile.usn}>={since_usn + 1}))"
        for dn, raw in self._search(search_filter, self.profile.attributes(kind)):
            yield entry_from(kind, dn, raw, self.profile)

    def keys(self, kinds: tuple[Kind, ...]) -> set[str]:
        """The key of every entry still there: what an incremental read needs to notice deletions."""
        found: set[str] = set()
        for kind in kinds:
            if self.profile.filters[kind]:
                found.update(entry_key(_lower_names(raw), self.profile.key, dn)
                             for dn, raw in self._search(self.profile.filters[kind], [self.profile.key]))
        return found

    def classes_below(self) -> Counter[str]:
        """The object classes of (up to SAMPLE_ENTRIES) entries below the search base, for a sync that found
        no users: an empty directory is not a mistake, a full one that matched nothing is."""
        import ldap3  # noqa: PLC0415

        found: Counter[str] = Counter()
        try:
            self._ldap.search(self.conn.base_dn, "(objectClass=*)", ldap3.SUBTREE, attributes=["objectClass"],
                              size_limit=SAMPLE_ENTRIES + 1)
        except ldap3.core.exceptions.LDAPSizeLimitExceededResult:
            pass  # the entries that did come back are enough
        except Exception as exc:
            raise classify(exc) from exc
        for item in self._ldap.response or []:
            if item.get("type") == "searchResEntry" and normalise(item["dn"]) != normalise(self.conn.base_dn):
                found.update(c for c in _text(_lower_names(item.get("raw_attributes", {})), "objectclass")
                             if c.lower() != "top")
        return found


def _member_values(raw: Raw, names: tuple[str, ...]) -> list[str]:
    """Member DNs, also when AD returns them in ranges (`member;range=0-1499`: ldap3's auto_range merges them)."""
    values: list[str] = []
    for name, items in raw.items():
        if name.lower() in names or any(name.lower().startswith(f"{n};range=") for n in names):
            values += [v.decode("utf-8", "replace") for v in items]
    return values


def open_session(conn: Connection, endpoint: Endpoint, password: str) -> LdapSession:
    return LdapSession(conn, endpoint, password)
