"""The resolver fails fast when its servers are down, and only then: a domain whose own servers never answer
(which its owner, perhaps a sender, controls) must not switch DNS off for everyone's mail."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import pytest

from mailgate.dns import DnsTempError, Resolver
from mailgate.dns.resolver import message_budget


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    """Refuses every question but drops those about slow.test (a domain whose servers never answer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    asked: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except OSError:
                continue
            query = dns.message.from_wire(wire)
            name = query.question[0].name.to_text()
            asked.append(name)
            if name.startswith("slow.test"):
                continue
            reply = dns.message.make_response(query)
            reply.set_rcode(dns.rcode.REFUSED)
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1]), asked
    stop.set()
    thread.join()
    sock.close()


def test_a_slow_domain_fails_alone_and_the_resolver_stays_up(server: tuple[int, list[str]]) -> None:
    port, asked = server
    resolver = Resolver(["127.0.0.1"], port=port, timeout=0.5)
    with pytest.raises(DnsTempError):
        resolver.txt("slow.test")
    asked.clear()
    with pytest.raises(DnsTempError):
        resolver.txt("slow.test")  # remembered: not asked again for a while
    assert asked == []
    with pytest.raises(DnsTempError, match=r"REFUSED|answered"):
        resolver.txt("other.test")  # still asked: the servers answer
    assert asked == ["other.test."]


def test_servers_that_answer_nothing_are_down_and_later_lookups_fail_at_once() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        resolver = Resolver(["127.0.0.1"], port=silent.getsockname()[1], timeout=0.5)
        with pytest.raises(DnsTempError):
            resolver.txt("first.test")
        with pytest.raises(DnsTempError, match="did not answer moments ago"):
            resolver.txt("second.test")
    finally:
        silent.close()


def test_a_spent_budget_fails_lookups_at_once(server: tuple[int, list[str]]) -> None:
    port, asked = server
    resolver = Resolver(["127.0.0.1"], port=port, timeout=0.5)
    with message_budget(0.0), pytest.raises(DnsTempError, match="budget is spent"):
        resolver.txt("other.test")
    assert asked == []
