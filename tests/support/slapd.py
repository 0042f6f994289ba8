"""A real OpenLDAP slapd for tests: with the small Active Directory schema of INFRA.md §1, or stock.

`SlapdServer(workdir).start()` writes the schema, a slapd.conf and a self-signed certificate
(SAN localhost and 127.0.0.1), starts `timeout 3600 slapd -d 0` in its own process group with
LDAP (StartTLS) and LDAPS on free loopback ports, and waits until an ldap3 bind + search works.
`Populator` adds AD-shaped users, groups and contacts under an OU, so each test reads its own
subtree of one session-wide server.

`SlapdServer(workdir, stock=True)` is OpenLDAP as Debian ships it: only the distribution's schemas (core,
cosine, inetorgperson, nis, misc), nothing of AD's, with the distribution's memberof overlay (memberOf of
groupOfNames members, computed on write), suffix dc=stock,dc=test; `StockPopulator` adds the
ordinary entries such a directory holds (inetOrgPerson/posixAccount people, groupOfNames,
groupOfUniqueNames and posixGroup groups under ou=people and ou=groups).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
import uuid
from pathlib import Path

import ldap3

from mailgate.local import ports
from mailgate.local.processes import stop_process_group

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "ldap" / "ad-lite.schema"
SUFFIX = "dc=example,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "secret"
STOCK_SUFFIX = "dc=stock,dc=test"
STOCK_ROOT_DN = f"cn=admin,{STOCK_SUFFIX}"
STOCK_SCHEMAS = ("core", "cosine", "inetorgperson", "nis", "misc")  # /etc/ldap/schema, as Debian ships them


def free_port() -> int:
    return ports.free_port()


def self_signed(workdir: Path, name: str = "localhost") -> tuple[Path, Path]:
    key, cert = workdir / "tls.key", workdir / "tls.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, cert


class SlapdServer:
    def __init__(self, workdir: Path, lifetime: int = 3600, stock: bool = False) -> None:
        self.workdir = Path(workdir)
        self.stock = stock
        self.suffix, self.root_dn = (STOCK_SUFFIX, STOCK_ROOT_DN) if stock else (SUFFIX, ROOT_DN)
        self.port = free_port()
        self.tls_port = free_port()
        self.lifetime = lifetime
        self.process: subprocess.Popen[bytes] | None = None
        self.cert_path = self.workdir / "tls.crt"

    @property
    def ca_pem(self) -> str:
        return self.cert_path.read_text()

    def _config(self) -> Path:
        w = self.workdir
        conf = w / "slapd.conf"
        if self.stock:
            schemas = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in STOCK_SCHEMAS)
            lines = "index objectClass,mail,uid,memberUid,member,uniqueMember eq\n"
            # the memberof overlay Debian ships: memberOf computed from groupOfNames' member, as many sites run it
            lines += "overlay memberof\nmemberof-refint true"
            modules = "moduleload back_mdb\nmoduleload memberof"
        else:
            schemas = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in STOCK_SCHEMAS[:3])
            schemas += f"include {w}/ad-lite.schema\n"
            lines = "index objectClass,mail,proxyAddresses,sAMAccountName,userPrincipalName,member,memberOf eq\n"
            lines += "index uSNChanged eq"
            modules = "moduleload back_mdb"
        conf.write_text(f"""{schemas}modulepath /usr/lib/ldap
{modules}
pidfile {w}/slapd.pid
TLSCertificateFile {w}/tls.crt
TLSCertificateKeyFile {w}/tls.key
database mdb
maxsize 104857600
suffix "{self.suffix}"
rootdn "{self.root_dn}"
rootpw {ROOT_PASSWORD}
directory {w}/db
{lines}
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
""")
        return conf

    def start(self, ready_timeout: float = 10.0) -> SlapdServer:
        if shutil.which("slapd", path=os.environ.get("PATH", "") + ":/usr/sbin") is None:
            raise RuntimeError("slapd is not installed (Debian packages slapd ldap-utils)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "db").mkdir(exist_ok=True)
        if not self.stock:
            shutil.copy(SCHEMA, self.workdir / "ad-lite.schema")
        if not self.cert_path.exists():
            self_signed(self.workdir)
        conf = self._config()
        slapd = shutil.which("slapd", path=os.environ.get("PATH", "") + ":/usr/sbin")
        self.process = subprocess.Popen(
            ["timeout", str(self.lifetime), str(slapd), "-d", "0", "-f", str(conf), "-h",
             f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"slapd exited with {self.process.returncode}: {err[-2000:]}")
            try:
                with self.admin() as conn:
                    conn.search(self.suffix, "(objectClass=*)", ldap3.BASE)  # a new database has no suffix entry yet
                return self
            except ldap3.core.exceptions.LDAPNoSuchObjectResult:
                with self.admin() as conn:
                    conn.add(self.suffix, ["top", "domain"], {"dc": self.suffix.split(",")[0].split("=")[1]})
                return self
            except ldap3.core.exceptions.LDAPException:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"slapd did not answer within {ready_timeout} s")

    def admin(self) -> ldap3.Connection:
        """A bound ldap3 connection as the root DN, over LDAPS."""
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.cert_path))
        server = ldap3.Server("127.0.0.1", port=self.tls_port, use_ssl=True, tls=tls, connect_timeout=1,
                              get_info=ldap3.NONE)
        return ldap3.Connection(server, self.root_dn, ROOT_PASSWORD, auto_bind=True, raise_exceptions=True,
                                check_names=False)

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process)


class Populator:
    """AD-shaped entries under one OU of a directory (slapd: static memberOf/uSNChanged, as AD would show)."""

    def __init__(self, conn: ldap3.Connection, parent: str, ou: str) -> None:
        self.conn = conn
        self.base = f"ou={ou},{parent}"
        self.usn = 1000
        conn.add(self.base, ["top", "organizationalUnit"], {"ou": ou})

    def _next_usn(self) -> int:
        self.usn += 1
        return self.usn

    def user(self, cn: str, sam: str, mail: str | None = None, proxies: tuple[str, ...] = (),
             display: str | None = None, upn: str | None = None, member_of: tuple[str, ...] = ()) -> str:
        dn = f"cn={cn},{self.base}"
        attrs: dict[str, object] = {"cn": cn, "sn": cn.split()[-1], "sAMAccountName": sam,
                                    "displayName": display if display is not None else cn,
                                    "objectGUID": uuid.uuid4().bytes_le, "uSNChanged": self._next_usn(),
                                    "userAccountControl": 512}
        if upn is not None:
            attrs["userPrincipalName"] = upn
        if mail:
            attrs["mail"] = mail
        if proxies:
            attrs["proxyAddresses"] = list(proxies)
        if member_of:
            attrs["memberOf"] = list(member_of)
        self.conn.add(dn, ["top", "person", "organizationalPerson", "user"], attrs)
        return dn

    def group(self, cn: str, members: tuple[str, ...] = (), mail: str | None = None,
              display: str | None = None) -> str:
        dn = f"cn={cn},{self.base}"
        attrs: dict[str, object] = {"cn": cn, "sAMAccountName": cn, "objectGUID": uuid.uuid4().bytes_le,
                                    "uSNChanged": self._next_usn(), "displayName": display or cn}
        if members:
            attrs["member"] = list(members)
        if mail:
            attrs["mail"] = mail
        self.conn.add(dn, ["top", "group"], attrs)
        return dn

    def contact(self, cn: str, mail: str, display: str | None = None) -> str:
        dn = f"cn={cn},{self.base}"
        self.conn.add(dn, ["top", "person", "organizationalPerson", "contact"],
                      {"cn": cn, "sn": cn.split()[-1], "mail": mail, "displayName": display or cn,
                       "objectGUID": uuid.uuid4().bytes_le, "uSNChanged": self._next_usn()})
        return dn


class StockPopulator:
    """Ordinary entries of a stock OpenLDAP under one OU: ou=people and ou=groups, as most directories lay out."""

    def __init__(self, conn: ldap3.Connection, parent: str, ou: str) -> None:
        self.conn = conn
        self.base = f"ou={ou},{parent}"
        self.people, self.groups = f"ou=people,{self.base}", f"ou=groups,{self.base}"
        self._next_id = 10000
        for dn, name in ((self.base, ou), (self.people, "people"), (self.groups, "groups")):
            conn.add(dn, ["top", "organizationalUnit"], {"ou": name})

    def _number(self) -> int:
        self._next_id += 1
        return self._next_id

    def person(self, uid: str, cn: str, *mail: str, posix: bool = False, display: str | None = None,
               extra_classes: tuple[str, ...] = (), **attributes: object) -> str:
        """An inetOrgPerson (with posixAccount when `posix`); `mail` may hold several addresses."""
        dn = f"uid={uid},{self.people}"
        attrs: dict[str, object] = {"uid": uid, "cn": cn, "sn": cn.split()[-1], **attributes}
        if mail:
            attrs["mail"] = list(mail)
        if display:
            attrs["displayName"] = display
        classes = ["top", "inetOrgPerson", *extra_classes]
        if posix:
            classes.append("posixAccount")
            attrs.update(uidNumber=self._number(), gidNumber=10000, homeDirectory=f"/home/{uid}")
        self.conn.add(dn, classes, attrs)
        return dn

    def posix_account(self, uid: str, cn: str) -> str:
        """A posixAccount only (an account object: no mail, a login name)."""
        dn = f"uid={uid},{self.people}"
        self.conn.add(dn, ["top", "account", "posixAccount"],
                      {"uid": uid, "cn": cn, "uidNumber": self._number(), "gidNumber": 10000,
                       "homeDirectory": f"/home/{uid}"})
        return dn

    def group_of_names(self, cn: str, *members: str) -> str:
        dn = f"cn={cn},{self.groups}"
        self.conn.add(dn, ["top", "groupOfNames"], {"cn": cn, "member": list(members)})
        return dn

    def group_of_unique_names(self, cn: str, *members: str) -> str:
        dn = f"cn={cn},{self.groups}"
        self.conn.add(dn, ["top", "groupOfUniqueNames"], {"cn": cn, "uniqueMember": list(members)})
        return dn

    def posix_group(self, cn: str, *member_uids: str) -> str:
        dn = f"cn={cn},{self.groups}"
        attrs: dict[str, object] = {"cn": cn, "gidNumber": self._number()}
        if member_uids:
            attrs["memberUid"] = list(member_uids)
        self.conn.add(dn, ["top", "posixGroup"], attrs)
        return dn
