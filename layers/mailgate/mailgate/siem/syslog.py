"""RFC 5424 syslog messages and their transports: octet-counting framing (RFC 6587) over TLS (RFC 5425) or
plain TCP, and one UDP datagram per message (RFC 5426) for labs.

A TCP/TLS batch counts as sent only when the collector has read all of it: after the last frame we close our
side (TLS close_notify, then a half-close) and wait until the collector closes its side. A collector that goes
away mid-batch, refuses the connection or fails the TLS handshake (unknown CA, wrong host name) raises
SyslogError, and the forwarder leaves the batch on its queue to be sent again (at least once).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

FACILITY_LOCAL0 = 16
UDP_MAX_BYTES = 8192  # a datagram longer than this is cut (on a UTF-8 boundary, never inside an escape)
APP_NAME = "mailgate"


class SyslogError(OSError):
    """The collector did not take the batch."""


def _printable(value: str, limit: int) -> str:
    """RFC 5424 header fields are PRINTUSASCII (33-126) or the NILVALUE."""
    text = "".join(c for c in value if 33 <= ord(c) <= 126)[:limit]
    return text or "-"


def syslog_severity(cef_severity: int) -> int:
    """CEF 0-10 → syslog severity: 0-3 informational, 4-6 notice, 7-8 warning, 9-10 critical."""
    return 6 if cef_severity <= 3 else 5 if cef_severity <= 6 else 4 if cef_severity <= 8 else 2


def rfc5424(msg: str, severity: int, msgid: str, hostname: str, timestamp: datetime | None = None,
            facility: int = FACILITY_LOCAL0, procid: str = "-") -> bytes:
    """One syslog message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, MSG in UTF-8 without a BOM.
    The MSG is one line: CR and LF never appear raw (the formatters escape them), and any left are made spaces."""
    ts = (timestamp or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    pri = facility * 8 + max(0, min(severity, 7))
    head = (f"<{pri}>1 {ts} {_printable(hostname, 255)} {APP_NAME} {_printable(procid, 128)} "
            f"{_printable(msgid, 32)} - ")
    body = msg.replace("\r", " ").replace("\n", " ").encode("utf-8", "replace")
    return head.encode("ascii") + body


def octet_counted(message: bytes) -> bytes:
    """RFC 6587 3.4.1 framing: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN the message's length in octets."""
    return str(len(message)).encode("ascii") + b" " + message


def read_frames(data: bytes) -> tuple[list[bytes], bytes]:
    """The whole frames at the start of `data` and what is left (a partial frame); for tests and tools."""
    frames: list[bytes] = []
    while True:
        space = data.find(b" ")
        if space <= 0 or not data[:space].isdigit():
            return frames, data
        end = space + 1 + int(data[:space])
        if len(data) < end:
            return frames, data
        frames.append(data[space + 1:end])
        data = data[end:]


def truncated(message: bytes, limit: int = UDP_MAX_BYTES) -> bytes:
    """At most `limit` octets, cut before a UTF-8 continuation byte and never after a lone escaping backslash."""
    if len(message) <= limit:
        return message
    cut = limit
    while cut > 0 and (message[cut] & 0xC0) == 0x80:
        cut -= 1
    out = message[:cut]
    backslashes = len(out) - len(out.rstrip(b"\\"))
    return out[:-1] if backslashes % 2 else out


@dataclass(frozen=True)
class Collector:
    host: str
    port: int
    protocol: str = "tls"  # tls | tcp | udp
    ca_pem: str | None = None  # the CA to trust for TLS; None: the system's CAs
    timeout: float = 10.0


def send(collector: Collector, messages: Sequence[bytes]) -> None:
    """Send the messages; raise SyslogError unless the collector took all of them (UDP: unless they were sent)."""
    if not messages:
        return
    try:
        if collector.protocol == "udp":
            _send_udp(collector, messages)
        elif collector.protocol in ("tcp", "tls"):
            _send_stream(collector, messages)
        else:
            raise SyslogError(f"unknown syslog protocol {collector.protocol!r} (tls, tcp or udp)")
    except SyslogError:
        raise
    except (OSError, ValueError) as exc:
        raise SyslogError(f"syslog to {collector.host}:{collector.port} over {collector.protocol}: {exc}") from exc


def _send_udp(collector: Collector, messages: Sequence[bytes]) -> None:
    family = socket.getaddrinfo(collector.host, collector.port, type=socket.SOCK_DGRAM)[0]
    with socket.socket(family[0], socket.SOCK_DGRAM) as sock:
        sock.settimeout(collector.timeout)
        for message in messages:
            sock.sendto(truncated(message), family[4])


def _send_stream(collector: Collector, messages: Sequence[bytes]) -> None:
    raw = socket.create_connection((collector.host, collector.port), timeout=collector.timeout)
    try:
        sock: socket.socket = raw
        if collector.protocol == "tls":
            context = ssl.create_default_context(cadata=collector.ca_pem) if collector.ca_pem \
                else ssl.create_default_context()
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            sock = context.wrap_socket(raw, server_hostname=collector.host)  # verifies the chain and the name
        sock.sendall(b"".join(octet_counted(m) for m in messages))
        if isinstance(sock, ssl.SSLSocket):
            try:
                raw = sock.unwrap()  # close_notify; the collector's answer says it read the stream
            except ssl.SSLEOFError:
                return  # the collector closed the connection after our close_notify instead of answering it
        raw.shutdown(socket.SHUT_WR)
        while raw.recv(4096):  # until the collector closes: it has read everything we sent
            pass
    finally:
        raw.close()
