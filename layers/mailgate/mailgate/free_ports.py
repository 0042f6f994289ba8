"""Ports for local servers, chosen below the kernel's ephemeral range.

A port from `bind(port 0)` comes from the ephemeral range that outgoing connections use too: between the
choice and the server's own bind, any client connection (boto3 to moto, a clamd scan, an SMTP hand-off) may
take it as its local port, and the server fails with "address already in use". A port below that range is
only ever taken by an explicit bind, so one that is free when chosen stays free for the server.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 10_000
_pick = random.SystemRandom()
_handed_out: set[int] = set()  # never the same port twice to one process's servers


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bindable(host: str, port: int, kinds: tuple[int, ...]) -> bool:
    for kind in kinds:
        with socket.socket(_family(host), kind) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return False
    return True


def free_port(host: str = "127.0.0.1", udp: bool = False) -> int:
    """A TCP port (and UDP too, with `udp`) that nothing is bound to and no outgoing connection will take."""
    kinds = (socket.SOCK_STREAM, socket.SOCK_DGRAM) if udp else (socket.SOCK_STREAM,)
    top = _ephemeral_start() - 1
    for _ in range(200 if top - LOWEST > 1000 else 0):
        port = _pick.randint(LOWEST, top)
        if port not in _handed_out and _bindable(host, port, kinds):
            _handed_out.add(port)
            return port
    for _ in range(200):  # a machine whose ephemeral range leaves nothing below it: the kernel's choice
        with socket.socket(_family(host), kinds[-1]) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port not in _handed_out and _bindable(host, port, kinds):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port on {host}")
