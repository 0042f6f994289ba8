"""Interop with OpenDKIM (INFRA.md §4): it verifies our signatures; its rsa-sha1 ones don't pass ours.

`opendkim-testmsg` resolves through libresolv (/etc/resolv.conf, port 53 only), so the verify test
runs a second dnsmasq on 127.0.0.1:53 and bind-mounts a resolv.conf pointing at it inside a child
mount namespace: possible only as root inside the private network namespace the suite runs in.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest

from mailgate.delivery.dkim_signing import sign_message
from mailgate.scanners.authentication.dkim_check import verify_dkim
from tests.support.dns_fixtures import DnsTestZone
from tests.support.dns_server import DnsmasqServer
from tests.unit.auth.helpers import plain_message

EX_SOFTWARE = 70  # opendkim-testmsg's exit status for a bad signature

needs_opendkim = pytest.mark.skipif(
    shutil.which("opendkim-testmsg") is None,
    reason="opendkim-testmsg is not installed (Debian package opendkim-tools)")


def _in_private_network_namespace() -> bool:
    """Only a loopback interface: the `unshare --net` namespace (port 53 there is ours alone)."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


@pytest.fixture(scope="module")
def opendkim_resolv_conf(dns_zone: DnsTestZone) -> Iterator[Path]:
    """A dnsmasq on 127.0.0.1:53 serving the test zone, and a resolv.conf naming it."""
    if os.geteuid() != 0:
        pytest.skip("OpenDKIM verify interop needs root (port 53, mount namespace)")
    if not _in_private_network_namespace():
        pytest.skip("OpenDKIM verify interop needs a private network namespace for port 53: run pytest "
                    "under `unshare --net --mount` as the README shows")
    server = DnsmasqServer(dns_zone.zone, dns_zone.workdir, port=53, name="dnsmasq53").start()
    resolv_conf = dns_zone.workdir / "resolv.conf"
    resolv_conf.write_text("nameserver 127.0.0.1\n")
    try:
        yield resolv_conf
    finally:
        server.stop()


def opendkim_verify(message: bytes, resolv_conf: Path) -> subprocess.CompletedProcess[bytes]:
    script = 'mount --bind "$0" /etc/resolv.conf && exec opendkim-testmsg'
    return subprocess.run(["unshare", "--mount", "--", "bash", "-c", script, str(resolv_conf)],
                          input=message, capture_output=True, timeout=30, check=False)


@needs_opendkim
@pytest.mark.parametrize("selector", ["sel1", "ed1"])
def test_opendkim_verifies_our_signature(dns_zone: DnsTestZone, opendkim_resolv_conf: Path,
                                         selector: str) -> None:
    key = dns_zone.key("example.test", selector)
    signed = sign_message(plain_message(from_addr="ceo@example.test"), "example.test", selector,
                          key.private_pem, key.algorithm)
    good = opendkim_verify(signed, opendkim_resolv_conf)
    assert good.returncode == 0, good.stderr.decode()
    changed = signed.replace(b"Numbers attached.", b"Numbers changed.")
    tampered = opendkim_verify(changed, opendkim_resolv_conf)
    assert tampered.returncode == EX_SOFTWARE, tampered.stderr.decode()
    assert b"Bad signature" in tampered.stderr


@needs_opendkim
def test_opendkim_rsa_sha1_signature_is_not_a_pass_for_us(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("example.test", "sel1")
    signing = subprocess.run(
        ["opendkim-testmsg", "-C", "-d", "example.test", "-s", "sel1", "-k", str(key.private_path)],
        input=plain_message(from_addr="ceo@example.test"), capture_output=True, timeout=30, check=True)
    signed = signing.stdout
    assert b"a=rsa-sha1" in signed  # opendkim-testmsg always signs rsa-sha1
    resolver = dns_zone.resolver()
    assert dkim.verify(signed, dnsfunc=resolver.dkim_dnsfunc)  # cryptographically valid
    [result] = verify_dkim(signed, resolver)
    assert (result.domain, result.selector, result.algorithm, result.result) == (
        "example.test", "sel1", "rsa-sha1", "policy")
