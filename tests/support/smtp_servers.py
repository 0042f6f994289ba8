"""Real SMTP servers for tests: a recording downstream mail server, a test CA, a greeting-only server.

`RecordingServer` is an in-process aiosmtpd Controller on 127.0.0.1 that keeps every message it
accepts (envelope, exact bytes, whether TLS was in use) and can be told to answer MAIL, RCPT or DATA
with a 4xx/5xx, per recipient. Start it on a free port (port=0), read `.messages`, `.reset()` it
between tests, `.stop()` it at the end (or use it as a context manager).
"""

from __future__ import annotations

import asyncio
import socketserver
import ssl
import subprocess
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailgate.local import ports

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on right now (for a "host is down" address, or a fixed-port server)."""
    return ports.free_port(host)


# -- a throwaway certificate authority ----------------------------------------------------------------


@dataclass(frozen=True)
class TestPki:
    """A test CA and a server certificate it signed (subjectAltName IP:127.0.0.1, DNS:localhost)."""

    __test__ = False  # not a pytest test class

    ca_cert: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert, self.server_key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only the test CA."""
        return ssl.create_default_context(cafile=str(self.ca_cert))


def make_test_pki(directory: Path, names: tuple[str, ...] = ("IP:127.0.0.1", "DNS:localhost"),
                  openssl: str = "openssl") -> TestPki:
    """Generate the CA and server certificate with the openssl CLI (EC P-256 keys: fast)."""
    directory.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=mailgate test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=mailgate test server")
    (directory / "server.ext").write_text(
        f"subjectAltName={','.join(names)}\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return TestPki(directory / "ca.pem", directory / "server.pem", directory / "server.key")


# -- the recording downstream server ------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # exactly the bytes of the message, dot-unstuffed, as the client sent them
    tls: bool  # STARTTLS or implicit TLS was in use when DATA arrived
    mail_options: tuple[str, ...] = ()  # e.g. ("SIZE=123", "BODY=8BITMIME", "SMTPUTF8")
    smtputf8: bool = False
    login: str | None = None  # the AUTH user, when the client authenticated


@dataclass
class _Script:
    mail_reply: str | None = None
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # lower-cased address → reply
    data_reply: str | None = None
    data_delay: float = 0.0  # seconds to stall before answering DATA (a server that hangs)


class RecordingHandler:
    """aiosmtpd hooks: answer as scripted, keep what was accepted. Thread-safe for readers."""

    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        self.users = dict(users or {})
        self._lock = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._mail_attempts: list[tuple[str, bool]] = []  # (MAIL FROM address, over TLS?)
        self._data_received = 0  # messages whose DATA ended, whatever the answer
        self.script = _Script()

    @staticmethod
    def _tls(server: Any, session: Any) -> bool:
        transport = getattr(server, "transport", None)
        implicit = transport is not None and transport.get_extra_info("ssl_object") is not None
        return session.ssl is not None or implicit

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        with self._lock:
            self._mail_attempts.append((address, self._tls(server, session)))
            reply = self.script.mail_reply
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        with self._lock:
            reply = self.script.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self._data_received += 1
            self._lock.notify_all()
        if self.script.data_delay:  # a client that goes away meanwhile cancels this: nothing is kept
            await asyncio.sleep(self.script.data_delay)
        with self._lock:
            reply = self.script.data_reply
            if reply:
                return reply
            auth = session.auth_data
            self._messages.append(ReceivedMessage(
                mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos),
                data=bytes(envelope.original_content), tls=self._tls(server, session),
                mail_options=tuple(envelope.mail_options), smtputf8=bool(envelope.smtp_utf8),
                login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            ))
            number = len(self._messages)
            self._lock.notify_all()
        return f"250 2.0.0 Ok: queued as TEST{number:04d}"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if user in self.users and self.users[user] == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def mail_attempts(self) -> list[tuple[str, bool]]:
        with self._lock:
            return list(self._mail_attempts)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Block until `count` messages arrived (for asynchronous senders); raise on timeout."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} message(s) arrived, expected {count}")
            return list(self._messages)

    def wait_for_data(self, count: int, timeout: float = 30.0) -> None:
        """Block until the end of DATA was received `count` times (e.g. a stalled one is in progress)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._data_received >= count, timeout):
                raise TimeoutError(f"DATA ended {self._data_received} time(s), expected {count}")

    def reset(self) -> None:
        with self._lock:
            self._data_received = 0
            self._messages.clear()
            self._mail_attempts.clear()
            self.script = _Script()


class _AnyPortController(Controller):
    """Controller that may bind port 0: it learns the real port before its readiness check."""

    def factory(self) -> Any:
        with warnings.catch_warnings():  # AUTH over implicit TLS is fine, whatever aiosmtpd thinks
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()  # type: ignore[no-untyped-call]

    def _trigger_server(self) -> None:
        server: Any = self.server  # an asyncio.Server, bound by now
        if self.port == 0 and server is not None:
            self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class RecordingServer:
    """The organisation's mail server, played by aiosmtpd.

    starttls: a server SSLContext to offer STARTTLS with (None: no STARTTLS offered).
    implicit_tls: a server SSLContext to speak TLS from the first byte (port 465 style).
    users: {user: password} turns on AUTH (required, and only offered over TLS).
    """

    def __init__(self, *, host: str = LOOPBACK, port: int = 0, starttls: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None, require_starttls: bool = False,
                 users: Mapping[str, str] | None = None, smtputf8: bool = True,
                 data_size_limit: int = 10 * 2**20, server_hostname: str = "mx.mailgate.test") -> None:
        self.handler = RecordingHandler(users)
        kwargs: dict[str, Any] = {
            "tls_context": starttls, "require_starttls": require_starttls, "enable_SMTPUTF8": smtputf8,
            "data_size_limit": data_size_limit, "server_hostname": server_hostname,
        }
        if users:
            kwargs.update(authenticator=self.handler.authenticate, auth_required=True)
            if implicit_tls:  # aiosmtpd counts only STARTTLS as TLS when deciding to offer AUTH
                kwargs["auth_require_tls"] = False
        self._controller = _AnyPortController(self.handler, hostname=host, port=port,
                                              ssl_context=implicit_tls, **kwargs)
        self.host = host

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> RecordingServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # scripting: the next transactions get these replies until reset()
    def reply_to_mail(self, reply: str) -> None:
        self.handler.script.mail_reply = reply

    def reply_to_rcpt(self, address: str, reply: str) -> None:
        self.handler.script.rcpt_replies[address.lower()] = reply

    def reply_to_data(self, reply: str) -> None:
        self.handler.script.data_reply = reply

    def stall_data(self, seconds: float) -> None:
        """Wait this long before answering the end of DATA (use a server of the test's own)."""
        self.handler.script.data_delay = seconds

    def wait_for_data(self, count: int, timeout: float = 30.0) -> None:
        self.handler.wait_for_data(count, timeout)

    @property
    def messages(self) -> list[ReceivedMessage]:
        return self.handler.messages

    @property
    def mail_attempts(self) -> list[tuple[str, bool]]:
        """Every MAIL FROM seen, with whether it came over TLS: proof nothing was sent in clear."""
        return self.handler.mail_attempts

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        return self.handler.wait_for(count, timeout)

    def reset(self) -> None:
        self.handler.reset()


# -- a server that only greets ----------------------------------------------------------------------------


class GreetingServer:
    """Answers every connection with one greeting line (e.g. "421 busy") and hangs up."""

    def __init__(self, greeting: str = "421 4.3.2 Service not available", host: str = LOOPBACK) -> None:
        line = greeting.encode() + b"\r\n"

        class Greet(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.sendall(line)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client hanging up first is normal here, not worth a traceback

        self._server = Server((host, 0), Greet)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> GreetingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> GreetingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
