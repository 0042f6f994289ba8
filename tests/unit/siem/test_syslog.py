"""RFC 5424 messages, octet-counting framing, UDP truncation, and the forwarder's partial-batch replies."""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from mailgate.events.model import Event
from mailgate.siem import syslog
from mailgate.siem.forwarder import Formatter, decode_body, encode_body, forward


def test_rfc5424_header_and_one_line_body() -> None:
    msg = syslog.rfc5424("CEF:0|a\nb", 6, "decision", "gw 1", datetime(2026, 12, 5, tzinfo=UTC))
    assert msg == b"<134>1 2026-12-05T00:00:00.000000Z gw1 mailgate - decision - CEF:0|a b"


def test_octet_counting_counts_bytes_not_characters() -> None:
    framed = b"".join(syslog.octet_counted(m) for m in ["é 1".encode(), b"two 2 3", b""])
    assert framed.startswith(b"4 \xc3\xa9 1")
    frames, rest = syslog.read_frames(framed + b"10 part")
    assert frames == ["é 1".encode(), b"two 2 3", b""] and rest == b"10 part"


def test_udp_truncation_keeps_utf8_and_escapes_whole() -> None:
    assert syslog.truncated("aé".encode(), 2) == b"a"
    assert syslog.truncated(b"ab\\\\x", 4) == b"ab\\\\"
    assert syslog.truncated(b"abc\\x", 4) == b"abc"
    assert syslog.truncated(b"x" * 10, 20) == b"x" * 10


def _server() -> tuple[socket.socket, list[bytes]]:
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received.extend(syslog.read_frames(data)[0])

    threading.Thread(target=serve, daemon=True).start()
    return server, received


def test_tcp_batch_counts_as_sent_once_the_collector_read_it() -> None:
    server, received = _server()
    with server:
        port = server.getsockname()[1]
        syslog.send(syslog.Collector("127.0.0.1", port, "tcp"), [b"one", b"two with spaces"])
    assert received == [b"one", b"two with spaces"]


def test_a_refused_connection_is_a_syslog_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(syslog.SyslogError):
        syslog.send(syslog.Collector("127.0.0.1", port, "tcp", timeout=2), [b"x"])


def _record(ident: str, body: str) -> dict[str, object]:
    return {"messageId": ident, "body": body, "eventSource": "aws:sqs"}


def test_forwarder_reports_every_record_when_the_collector_fails() -> None:
    events = [Event(message_id="m", kind="received", summary="s")]
    body = encode_body(events)
    assert decode_body(body)[0].message_id == "m"

    def down(_: Sequence[bytes]) -> None:
        raise syslog.SyslogError("down")

    reply = forward([_record("a", body), _record("b", "not json"), _record("c", body)], Formatter(), down)
    assert sorted(f["itemIdentifier"] for f in reply["batchItemFailures"]) == ["a", "b", "c"]

    sent: list[bytes] = []
    reply = forward([_record("a", body), _record("b", '{"v": 1}')], Formatter(), sent.extend)
    assert reply == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert len(sent) == 1 and b"CEF:0|mailgate|mailgate|1|received|" in sent[0]
