"""A real DNS server for tests: dnsmasq answering a zone described in Python.

`Zone` holds TXT/A/AAAA/MX/PTR/CNAME records; `DnsmasqServer(zone, workdir)` writes a dnsmasq
config (long TXT values split into <=255-byte character-strings, as DKIM keys need), starts
`timeout 3600 dnsmasq --keep-in-foreground` in its own process group on 127.0.0.1 and a free (or
given) port, waits until it answers a real query, and stops it by process group. dnsmasq has no
upstream: names under the `local` domains that the zone does not define get NXDOMAIN, any other
name gets REFUSED, so nothing ever leaves the machine (INFRA.md §3).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query

from mailgate.local import ports
from mailgate.local.processes import stop_process_group

LOOPBACK = "127.0.0.1"
TXT_CHUNK = 255  # RFC 1035 character-string limit
DEFAULT_LOCAL = ("test", "in-addr.arpa", "ip6.arpa")


@dataclass
class Zone:
    """DNS records by owner name. Each TXT value is one record (split into strings on render)."""

    txt: dict[str, list[str]] = field(default_factory=dict)
    a: dict[str, list[str]] = field(default_factory=dict)
    aaaa: dict[str, list[str]] = field(default_factory=dict)
    mx: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    ptr: dict[str, str] = field(default_factory=dict)  # IP address -> host name
    cname: dict[str, str] = field(default_factory=dict)
    srv: dict[str, list[tuple[int, int, int, str]]] = field(default_factory=dict)  # (priority, weight, port, target)
    local: tuple[str, ...] = DEFAULT_LOCAL  # answered authoritatively: unknown names are NXDOMAIN

    def add_txt(self, name: str, value: str) -> Zone:
        self.txt.setdefault(name, []).append(value)
        return self

    def add_a(self, name: str, *addresses: str) -> Zone:
        for address in addresses:
            (self.aaaa if ":" in address else self.a).setdefault(name, []).append(address)
        return self

    def add_mx(self, name: str, host: str, preference: int = 10) -> Zone:
        self.mx.setdefault(name, []).append((preference, host))
        return self

    def add_srv(self, name: str, target: str, port: int, priority: int = 0, weight: int = 100) -> Zone:
        self.srv.setdefault(name, []).append((priority, weight, port, target))
        return self

    def add_ptr(self, address: str, host: str) -> Zone:
        self.ptr[address] = host
        return self

    def dnsmasq_lines(self) -> list[str]:
        lines = [f"local=/{domain}/" for domain in self.local]
        for name, values in self.txt.items():
            lines.extend(f"txt-record={name},{_quoted_strings(v)}" for v in values)
        for name, addresses in [*self.a.items(), *self.aaaa.items()]:
            lines.extend(f"host-record={name},{address}" for address in addresses)
        for name, exchanges in self.mx.items():
            lines.extend(f"mx-host={name},{host},{pref}" for pref, host in exchanges)
        for address, host in self.ptr.items():
            lines.append(f"ptr-record={_reverse_name(address)},{host}")
        for alias, target in self.cname.items():
            lines.append(f"cname={alias},{target}")
        for name, records in self.srv.items():
            lines.extend(f"srv-host={name},{target},{port},{priority},{weight}"
                         for priority, weight, port, target in records)
        return lines


def _quoted_strings(value: str) -> str:
    """One TXT record as dnsmasq's comma-separated quoted character-strings."""
    raw = value.encode("utf-8")
    if b'"' in raw or b"\\" in raw:
        raise ValueError(f"TXT value with a quote or backslash is not supported: {value!r}")
    chunks = [raw[i : i + TXT_CHUNK] for i in range(0, len(raw), TXT_CHUNK)] or [b""]
    return ",".join(f'"{c.decode("utf-8")}"' for c in chunks)


def _reverse_name(address: str) -> str:
    return ipaddress.ip_address(address).reverse_pointer


def free_port(host: str = LOOPBACK) -> int:
    """A port free for both UDP and TCP right now (dnsmasq needs both)."""
    return ports.free_port(host, udp=True)


class DnsmasqServer:
    """One dnsmasq process serving `zone` on host:port. Use as a context manager or start()/stop()."""

    def __init__(self, zone: Zone, workdir: Path, port: int | None = None, host: str = LOOPBACK,
                 name: str = "dnsmasq", log_queries: bool = False, lifetime: int = 3600) -> None:
        self.zone = zone
        self.workdir = Path(workdir)
        self.host = host
        self.port = port or free_port(host)
        self.name = name
        self.log_queries = log_queries
        self.lifetime = lifetime
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def conf_path(self) -> Path:
        return self.workdir / f"{self.name}.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def config_text(self) -> str:
        head = [f"port={self.port}", f"listen-address={self.host}", "bind-interfaces", "no-resolv",
                "no-hosts", "no-poll", "local-ttl=300"]  # TTL 0 (the default) defeats caching
        if self.log_queries:
            head.append("log-queries")
        return "\n".join(head + self.zone.dnsmasq_lines()) + "\n"

    def start(self, ready_timeout: float = 10.0) -> DnsmasqServer:
        if shutil.which("dnsmasq") is None:
            raise RuntimeError("dnsmasq is not installed (Debian package dnsmasq-base)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(self.config_text(), encoding="utf-8")
        command = ["timeout", str(self.lifetime), "dnsmasq", "--keep-in-foreground",
                   f"--log-facility={self.log_path}", "--pid-file=", f"--conf-file={self.conf_path}"]
        if os.geteuid() == 0:
            command.insert(4, "--user=root")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        self._wait_ready(ready_timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        """Poll with a real DNS query (short per-attempt timeouts, as INFRA.md §0 advises)."""
        assert self.process is not None
        probe = dns.message.make_query("readiness-probe.test.", "A")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"dnsmasq exited with {self.process.returncode}: {err.strip()}")
            try:
                dns.query.udp(probe, self.host, timeout=0.1, port=self.port)
            except (TimeoutError, OSError, dns.exception.Timeout):
                time.sleep(0.02)
                continue
            return  # any answer (NXDOMAIN, REFUSED…) means it is serving
        self.stop()
        raise RuntimeError(f"dnsmasq on {self.address} did not answer within {timeout} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process)

    def __enter__(self) -> DnsmasqServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
