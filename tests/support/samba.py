"""Samba as a real Active Directory domain controller for tests (INFRA.md §2).

Provisioned once per session into a temporary directory (`samba-tool domain provision`, ~2.5 s),
started in the foreground as one process (`samba -i -M single`, trimmed services, no fsync) in its
own process group with `--maximum-runtime`, and stopped by process group. It needs root and the
test network namespace (127.0.0.2 on lo: its ports are fixed and privileged), as scripts/test.sh
provides; `unavailable_reason()` says why not otherwise, so the tests skip with that reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from pathlib import Path

import ldap3

from mailgate.local.processes import stop_process_group

REALM, NETBIOS, HOST_IP, HOST_NAME = "EXAMPLE.TEST", "EXAMPLE", "127.0.0.2", "DC1.example.test"
BASE_DN = "DC=example,DC=test"
ADMIN_PASSWORD = "Passw0rd!Admin1"
ADMIN_UPN = "Administrator@example.test"
EXTRA_OPTIONS = """\tpid directory = {d}/run
\tncalrpc dir = {d}/run/ncalrpc
\twinbindd socket directory = {d}/run/winbindd
\tntp signd socket directory = {d}/run/ntp_signd
\tlog file = {d}/log/%m.log
\tserver services = -s3fs -nbt -wrepl -drepl -winbindd -ntp_signd -kcc -dnsupdate
"""


def unavailable_reason() -> str | None:
    if shutil.which("samba") is None and not Path("/usr/sbin/samba").exists():
        return "Samba is not installed (Debian packages samba samba-ad-dc)"
    if os.geteuid() != 0:
        return "Samba's AD ports are privileged: run the tests as root (scripts/test.sh)"
    with socket.socket() as probe:
        try:
            probe.bind((HOST_IP, 0))
        except OSError:
            return f"{HOST_IP} is not on lo: run inside the test namespace (scripts/test.sh)"
    return None


class SambaDC:
    def __init__(self, workdir: Path, lifetime: int = 3600) -> None:
        self.workdir = Path(workdir)
        self.dc = self.workdir / "dc"
        self.lifetime = lifetime
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.dc / "etc" / "smb.conf"

    @property
    def ca_pem(self) -> str:
        return (self.dc / "private" / "tls" / "ca.pem").read_text()

    def provision(self) -> SambaDC:
        self.workdir.mkdir(parents=True, exist_ok=True)
        empty = self.workdir / "empty.conf"
        empty.write_text("[global]\n")  # else samba-tool merges the system smb.conf
        subprocess.run(
            ["timeout", "120", "samba-tool", "domain", "provision", "-s", str(empty), f"--targetdir={self.dc}",
             f"--realm={REALM}", f"--domain={NETBIOS}", "--server-role=dc", "--dns-backend=SAMBA_INTERNAL",
             f"--adminpass={ADMIN_PASSWORD}", "--host-name=dc1", f"--host-ip={HOST_IP}",
             "--option=interfaces=127.0.0.2/8", "--option=bind interfaces only=yes", "--option=ldb:nosync=true"],
            check=True, capture_output=True)
        lines = [line for line in self.conf.read_text().splitlines() if "dns forwarder" not in line]
        text = "\n".join(lines) + "\n"
        text = text.replace("[global]\n", "[global]\n" + EXTRA_OPTIONS.format(d=self.dc), 1)
        self.conf.write_text(text)
        for sub in ("run", "log"):
            (self.dc / sub).mkdir(exist_ok=True)
        return self

    def start(self, ready_timeout: float = 30.0) -> SambaDC:
        self.process = subprocess.Popen(
            ["samba", "-i", "-M", "single", "-s", str(self.conf), f"--maximum-runtime={self.lifetime}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"samba exited with {self.process.returncode}; see {self.dc}/log")
            try:
                with self.admin() as conn:
                    conn.search(BASE_DN, "(objectClass=domain)", ldap3.BASE)
                return self
            except (ldap3.core.exceptions.LDAPException, OSError, FileNotFoundError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"samba did not answer LDAPS within {ready_timeout} s")

    def admin(self) -> ldap3.Connection:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_data=self.ca_pem, valid_names=[HOST_NAME])
        server = ldap3.Server(HOST_IP, port=636, use_ssl=True, tls=tls, connect_timeout=1, get_info=ldap3.NONE)
        return ldap3.Connection(server, ADMIN_UPN, ADMIN_PASSWORD, auto_bind=True, raise_exceptions=True,
                                check_names=False)

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process, grace_seconds=10)


class AdPopulator:
    """Users, groups and contacts in their own OU of the Samba domain, written over LDAPS."""

    def __init__(self, conn: ldap3.Connection, ou: str) -> None:
        self.conn = conn
        self.base = f"OU={ou},{BASE_DN}"
        conn.add(self.base, ["top", "organizationalUnit"], {"ou": ou})

    def user(self, sam: str, display: str, mail: str | None = None, proxies: tuple[str, ...] = ()) -> str:
        dn = f"CN={display},{self.base}"
        attrs: dict[str, object] = {"sAMAccountName": sam, "userPrincipalName": f"{sam}@example.test",
                                    "displayName": display, "unicodePwd": f'"Passw0rd!{sam}1"'.encode("utf-16-le"),
                                    "userAccountControl": 512}
        if mail:
            attrs["mail"] = mail
        if proxies:
            attrs["proxyAddresses"] = list(proxies)
        self.conn.add(dn, ["top", "person", "organizationalPerson", "user"], attrs)
        return dn

    def group(self, name: str, members: tuple[str, ...] = (), mail: str | None = None) -> str:
        dn = f"CN={name},{self.base}"
        attrs: dict[str, object] = {"sAMAccountName": f"{name}-{uuid.uuid4().hex[:6]}", "displayName": name}
        if mail:
            attrs["mail"] = mail
        if members:
            attrs["member"] = list(members)
        self.conn.add(dn, ["top", "group"], attrs)
        return dn

    def contact(self, name: str, mail: str) -> str:
        dn = f"CN={name},{self.base}"
        self.conn.add(dn, ["top", "person", "organizationalPerson", "contact"], {"displayName": name, "mail": mail})
        return dn
