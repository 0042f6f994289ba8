"""pytest plugin: the session's test DNS (dnsmasq) with SPF, DKIM, DMARC and lookup-limit zones.

`dns_zone` (session scope) generates DKIM keys (RSA 2048 with `opendkim-genkey`, Ed25519 with
pynacl), publishes them with the records below, and starts dnsmasq on 127.0.0.1 and a free port.

Domains (all under `.test`; unknown names there are NXDOMAIN, anything else is REFUSED):
- example.test      the protected organisation: MX mail.example.test (192.0.2.10), SPF
                    `ip4:192.0.2.0/24 -all`, DMARC p=reject, DKIM `sel1` (RSA) and `ed1` (Ed25519)
- sender.test       a legitimate outside sender on this machine: SPF `ip4:127.0.0.0/8 -all`, DKIM
                    `s1` (also published for mail.sender.test), DMARC `p=reject; adkim=r; aspf=r`;
                    client.sender.test A 127.0.0.1 (SPF `a -all`), the PTR of 127.0.0.1
- bank.test         a brand forgers imitate: SPF `ip4:198.51.100.0/24 -all`, DMARC
                    `p=reject; sp=reject`, DKIM `s1`; sub.bank.test has SPF but no DMARC record
- lax.test          SPF `ip4:203.0.113.0/24 ~all`, DMARC p=none
- strict.test       DMARC `p=reject; adkim=s; aspf=s`; mail.strict.test SPF 127/8, DKIM `s1`
                    (sender.test's key)
- shop.test         DMARC `p=reject; sp=none` (news.shop.test: subdomain policy none)
- pct.test          DMARC `p=reject; pct=50`, SPF `-all`
- pct0.test, pct100.test  DMARC `p=reject` with `pct=0` / `pct=100` (sampling at its exact ends)
- twice.test        two DMARC records (DMARC is not applied); broken.test: `p=bogus`, no rua
- forwarder.test    an ARC-sealing forwarder: SPF 127/8, key `arc1` (RSA)
- spbogus.test      DMARC `p=reject; sp=bogus` (an invalid sp=: no policy applies, RFC 7489 §6.6.3)
- attacker.test     an attacker's own domain: SPF `+all` (every client passes), no DMARC
- limits.test       SPF limit cases: toomany. (11 nested includes), ten. (exactly 10),
                    void. (3 void lookups), twovoid. (2), multi. (two SPF records), syntax.
- example.test also has `gone` (revoked key, empty p=)
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import nacl.signing
import pytest

from mailgate.dns import Resolver
from tests.support.dns_server import DnsmasqServer, Zone

ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
RSA_KEYS = (("example.test", "sel1"), ("sender.test", "s1"), ("bank.test", "s1"),
            ("forwarder.test", "arc1"))
ED25519_KEYS = (("example.test", "ed1"),)
LIMIT_HOST = "192.0.2.1"  # the IP the limits.test records would authorise


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    algorithm: Literal["rsa-sha256", "ed25519-sha256"]
    private_pem: bytes  # PKCS#8 PEM (what sign_message and opendkim-testmsg take)
    private_path: Path
    public_record: str  # the TXT value published at <selector>._domainkey.<domain>

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"


@dataclass
class DnsTestZone:
    """What the fixture returns: where the server listens, the zone it serves, the keys."""

    server: DnsmasqServer
    zone: Zone
    keys: dict[tuple[str, str], DkimKey]
    workdir: Path

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def address(self) -> str:
        """HOST:PORT, the form `mailgate scan --dns` and the local gateway take."""
        return self.server.address

    def key(self, domain: str, selector: str) -> DkimKey:
        return self.keys[(domain, selector)]

    def resolver(self, timeout: float = 2.0) -> Resolver:
        return Resolver([self.host], port=self.port, timeout=timeout)


def generate_rsa_keys(specs: tuple[tuple[str, str], ...], directory: Path) -> dict[tuple[str, str], DkimKey]:
    """RSA 2048 keys with opendkim-genkey (in parallel): PEM private key and the DNS record."""
    if shutil.which("opendkim-genkey") is None:
        pytest.skip("opendkim-genkey is not installed (Debian package opendkim-tools)")
    jobs = []
    for domain, selector in specs:
        target = directory / domain
        target.mkdir(parents=True, exist_ok=True)
        jobs.append((domain, selector, target, subprocess.Popen(
            ["opendkim-genkey", "-b", "2048", "-d", domain, "-s", selector, "-D", str(target)])))
    keys = {}
    for domain, selector, target, job in jobs:
        assert job.wait(timeout=60) == 0, f"opendkim-genkey failed for {selector}._domainkey.{domain}"
        snippet = (target / f"{selector}.txt").read_text()
        public = re.search(r"p=([A-Za-z0-9+/=]+)", "".join(re.findall(r'"([^"]*)"', snippet)))
        assert public, snippet
        path = target / f"{selector}.private"
        keys[(domain, selector)] = DkimKey(domain, selector, "rsa-sha256", path.read_bytes(), path,
                                           f"v=DKIM1; k=rsa; p={public.group(1)}")
    return keys


def generate_ed25519_key(domain: str, selector: str, directory: Path) -> DkimKey:
    """An Ed25519 key (RFC 8463) as PKCS#8 PEM, and its record (p= is the raw public key)."""
    signing_key = nacl.signing.SigningKey.generate()
    der = ED25519_PKCS8_PREFIX + bytes(signing_key)
    pem = b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(der) + b"-----END PRIVATE KEY-----\n"
    path = directory / domain / f"{selector}.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    public = base64.b64encode(bytes(signing_key.verify_key)).decode()
    return DkimKey(domain, selector, "ed25519-sha256", pem, path, f"v=DKIM1; k=ed25519; p={public}")


def build_zone(keys: dict[tuple[str, str], DkimKey]) -> Zone:
    zone = Zone()
    for key in keys.values():
        zone.add_txt(key.record_name, key.public_record)
    sender_key = keys[("sender.test", "s1")].public_record
    zone.add_txt("s1._domainkey.mail.sender.test", sender_key)
    zone.add_txt("s1._domainkey.mail.strict.test", sender_key)
    zone.add_txt("gone._domainkey.example.test", "v=DKIM1; k=rsa; p=")

    zone.add_mx("example.test", "mail.example.test").add_a("mail.example.test", "192.0.2.10")
    zone.add_txt("example.test", "v=spf1 ip4:192.0.2.0/24 -all")
    zone.add_txt("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:dmarc@example.test")

    zone.add_a("client.sender.test", "127.0.0.1")  # first A for 127.0.0.1: also its PTR
    zone.add_txt("client.sender.test", "v=spf1 a -all")
    zone.add_mx("sender.test", "mail.sender.test").add_a("mail.sender.test", "127.0.0.1")
    zone.add_txt("sender.test", "v=spf1 ip4:127.0.0.0/8 -all")
    zone.add_txt("mail.sender.test", "v=spf1 ip4:127.0.0.0/8 -all")
    zone.add_txt("_dmarc.sender.test", "v=DMARC1; p=reject; adkim=r; aspf=r")

    zone.add_txt("bank.test", "v=spf1 ip4:198.51.100.0/24 -all")
    zone.add_txt("_dmarc.bank.test", "v=DMARC1; p=reject; sp=reject")
    zone.add_txt("sub.bank.test", "v=spf1 ip4:198.51.100.0/24 -all")
    zone.add_a("sub.bank.test", "198.51.100.20")

    zone.add_txt("lax.test", "v=spf1 ip4:203.0.113.0/24 ~all")
    zone.add_txt("_dmarc.lax.test", "v=DMARC1; p=none")

    zone.add_txt("_dmarc.strict.test", "v=DMARC1; p=reject; adkim=s; aspf=s")
    zone.add_txt("strict.test", "v=spf1 ip4:127.0.0.0/8 -all")
    zone.add_txt("mail.strict.test", "v=spf1 ip4:127.0.0.0/8 -all")

    zone.add_txt("_dmarc.shop.test", "v=DMARC1; p=reject; sp=none")
    zone.add_txt("news.shop.test", "v=spf1 ip4:198.51.100.0/24 -all")
    zone.add_txt("_dmarc.pct.test", "v=DMARC1; p=reject; pct=50")
    zone.add_txt("pct.test", "v=spf1 -all")
    zone.add_txt("_dmarc.pct0.test", "v=DMARC1; p=reject; pct=0")
    zone.add_txt("_dmarc.pct100.test", "v=DMARC1; p=reject; pct=100")
    zone.add_txt("_dmarc.twice.test", "v=DMARC1; p=reject")
    zone.add_txt("_dmarc.twice.test", "v=DMARC1; p=none")
    zone.add_txt("_dmarc.broken.test", "v=DMARC1; p=bogus")

    zone.add_txt("forwarder.test", "v=spf1 ip4:127.0.0.0/8 -all")
    zone.add_txt("attacker.test", "v=spf1 +all")
    zone.add_txt("_dmarc.spbogus.test", "v=DMARC1; p=reject; sp=bogus")
    _add_limit_records(zone)
    return zone


def _add_limit_records(zone: Zone) -> None:
    """RFC 7208 §4.6.4: at most 10 DNS-querying terms and at most 2 void lookups."""
    for prefix, depth in (("t", 11), ("n", 10)):  # include chains: 11 lookups fail, 10 pass
        for level in range(1, depth):
            record = f"v=spf1 include:{prefix}{level + 1}.limits.test -all"
            zone.add_txt(f"{prefix}{level}.limits.test", record)
        zone.add_txt(f"{prefix}{depth}.limits.test", f"v=spf1 ip4:{LIMIT_HOST} -all")
    zone.add_txt("toomany.limits.test", "v=spf1 include:t1.limits.test -all")
    zone.add_txt("ten.limits.test", "v=spf1 include:n1.limits.test -all")
    voids = " ".join(f"a:nx{i}.limits.test" for i in range(1, 4))
    zone.add_txt("void.limits.test", f"v=spf1 {voids} ip4:{LIMIT_HOST} -all")
    zone.add_txt("twovoid.limits.test", f"v=spf1 a:nx1.limits.test a:nx2.limits.test ip4:{LIMIT_HOST} -all")
    zone.add_txt("multi.limits.test", f"v=spf1 ip4:{LIMIT_HOST} -all")
    zone.add_txt("multi.limits.test", "v=spf1 -all")
    zone.add_txt("syntax.limits.test", f"v=spf1 ip4:{LIMIT_HOST} frobnicate:x -all")


@pytest.fixture(scope="session")
def dns_zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsTestZone]:
    if shutil.which("dnsmasq") is None:
        pytest.skip("dnsmasq is not installed (Debian package dnsmasq-base)")
    workdir = tmp_path_factory.mktemp("dns")
    keys = generate_rsa_keys(RSA_KEYS, workdir / "keys")
    for domain, selector in ED25519_KEYS:
        keys[(domain, selector)] = generate_ed25519_key(domain, selector, workdir / "keys")
    zone = build_zone(keys)
    server = DnsmasqServer(zone, workdir).start()
    try:
        yield DnsTestZone(server, zone, keys, workdir)
    finally:
        server.stop()
