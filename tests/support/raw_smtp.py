"""One SMTP transaction on a plain socket, every byte as given: smtplib would fix line endings and refuse
what an attacker sends, and these tests are about exactly those bytes."""

from __future__ import annotations

import socket

from mailgate.local.gateway import LocalGateway


def raw_smtp_send(gw: LocalGateway, data: bytes, mail_from: bytes = b"alice@sender.test",
                  rcpt: bytes = b"bob@example.test", utf8: bool = False) -> str | bytes:
    """The gateway's message id, or the 5xx reply that refused the envelope or the message (as SES refuses
    it); DATA is sent byte for byte (no dot-stuffing: the tests' messages need none)."""
    with socket.create_connection((gw.options.host, gw.options.smtp_port), timeout=30) as sock:
        reader = sock.makefile("rb")

        def reply() -> bytes:
            lines = [reader.readline()]
            while lines[-1][3:4] == b"-":
                lines.append(reader.readline())
            return b"".join(lines)

        assert reply().startswith(b"220")
        for command in (b"EHLO client.sender.test", b"MAIL FROM:<" + mail_from + b">" + (b" SMTPUTF8" if utf8 else b""),
                        b"RCPT TO:<" + rcpt + b">", b"DATA"):
            sock.sendall(command + b"\r\n")
            answer = reply()
            if answer[:1] == b"5" and command.startswith((b"MAIL", b"RCPT")):
                return answer
            assert answer[:1] in (b"2", b"3"), (command[:40], answer)
        sock.sendall(data + b"\r\n.\r\n")
        answer = reply()
        if answer[:1] == b"5":
            return answer
        assert answer.startswith(b"250"), answer
        sock.sendall(b"QUIT\r\n")
    return answer.decode("ascii", "replace").split()[-1]
