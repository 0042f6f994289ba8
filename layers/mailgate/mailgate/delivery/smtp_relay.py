"""Relay a message over SMTP to the route's hosts: the organisation's mail server or smart host.

Hosts are tried in priority order, but only while no transaction has started, so moving on can
never deliver twice: connection failures, a 4xx greeting and a host that cannot meet our security
requirements (TLS, SMTPUTF8, AUTH) send us to the next host. A 5xx greeting, and every reply from
MAIL FROM on, is that server's answer for this attempt.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from mailgate.config import DeliverySettings, Route, SmtpHost
from mailgate.delivery.base import DeliveryResult, settle
from mailgate.delivery.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from mailgate.message.line_endings import crlf_line_endings

log = logging.getLogger(__name__)

IMPLICIT_TLS_PORT = 465  # "submissions" (RFC 8314): TLS from the first byte, no STARTTLS
_QUEUED_AS = re.compile(r"queued as (\S+)", re.IGNORECASE)


class SecretReader(Protocol):
    def get(self, name: str) -> str: ...


def wire_format(message: bytes) -> bytes:
    """CRLF line endings throughout, as SMTP requires.

    A bare CR or LF is how SMTP smuggling slips a second message past a gateway (a server that
    ends DATA on "\\n.\\n" sees two messages where we saw one), so none leaves us.
    """
    data = crlf_line_endings(message)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _header_section(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


@dataclass(frozen=True)
class _Needs:
    """What the message and its envelope ask of the server."""

    smtputf8: bool  # a non-ASCII envelope address: only a server offering SMTPUTF8 can take it
    utf8_headers: bool  # raw UTF-8 in the header section (RFC 6532): announce SMTPUTF8 when offered
    eightbit: bool  # any byte above 127: announce BODY=8BITMIME when offered

    @classmethod
    def of(cls, mail_from: str, recipients: Sequence[str], data: bytes) -> _Needs:
        addresses_ascii = mail_from.isascii() and all(r.isascii() for r in recipients)
        return cls(not addresses_ascii, not _header_section(data).isascii(), not data.isascii())


def _text(reply: bytes | str) -> str:
    """A server's (possibly multi-line) reply text on one line, for logs and bounces."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _refusal(summary: str, code: int, reply: bytes | str, host: SmtpHost) -> DeliveryError:
    """A server's non-2xx reply as our error: 5xx is for good, anything else may change."""
    kind = PermanentDeliveryError if 500 <= code < 600 else TemporaryDeliveryError
    return kind(summary, code=code, server_text=_text(reply), host=host.host, port=host.port)


def _temporary(summary: str, host: SmtpHost, status: str | None = None) -> TemporaryDeliveryError:
    return TemporaryDeliveryError(summary, enhanced_status=status, host=host.host, port=host.port)


def _is_ok(code: int) -> bool:
    return 200 <= code < 300


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN in UTF-8 (RFC 4616) when offered: smtplib's own login() only sends ASCII."""
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        smtp.login(user, password)  # CRAM-MD5 or LOGIN
        return
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


@dataclass
class _Session:
    smtp: smtplib.SMTP
    host: SmtpHost
    tls: bool = False
    broken: bool = False  # timed out, dropped or mid-handshake: a QUIT would only wait for nothing

    def close(self) -> None:
        if not self.broken:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
        self.smtp.close()


class SmtpRelay:
    """Delivers through one route's SMTP hosts; one connection per delivery, closed afterwards.

    `credentials` (username, password) are used as given; otherwise, when the route names a
    `username_secret`, it is read once from `secrets` as JSON {"username", "password"}.
    `tls_context` builds the context for STARTTLS and port 465 (tests pass one trusting their CA);
    when the route says `verify_tls: false`, certificate checks are turned off on what it returns.
    Ports in `implicit_tls_ports` speak TLS from the first byte instead of STARTTLS.
    """

    def __init__(self, route: Route, settings: DeliverySettings, *,
                 credentials: tuple[str, str] | None = None, secrets: SecretReader | None = None,
                 tls_context: Callable[[], ssl.SSLContext] | None = None,
                 helo_name: str | None = None,
                 implicit_tls_ports: Collection[int] = (IMPLICIT_TLS_PORT,)) -> None:
        self.route = route
        self.settings = settings
        self._credentials = credentials
        self._secrets = secrets
        self._tls_context = tls_context or ssl.create_default_context
        self.helo_name = helo_name  # None: smtplib's default, the machine's FQDN
        self.implicit_tls_ports = frozenset(implicit_tls_ports)

    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        if not recipients:
            raise ValueError("deliver() needs at least one recipient")
        if not self.route.hosts:
            raise TemporaryDeliveryError("the route has no SMTP hosts configured", enhanced_status="4.3.5")
        data = wire_format(message)
        needs = _Needs.of(mail_from, recipients, data)
        credentials = self._resolve_credentials()
        failures: list[DeliveryError] = []
        for host in self.route.hosts:
            try:
                session = self._open(host, needs, credentials)
            except PermanentDeliveryError as exc:
                if exc.code is not None:  # the server itself said no, for good
                    raise
                failures.append(exc)  # a capability this host lacks; another may have it
            except TemporaryDeliveryError as exc:
                failures.append(exc)
            else:
                try:
                    return settle(self._transact(session, mail_from, recipients, data, needs))
                finally:
                    session.close()
            log.warning("delivery via %s:%s failed: %s", host.host, host.port, failures[-1])
        raise _no_host_took_it(failures)

    # -- session set-up: everything here may move on to the next host --------------------------------

    def _resolve_credentials(self) -> tuple[str, str] | None:
        name = self.route.username_secret
        if self._credentials is not None or name is None:
            return self._credentials
        if self._secrets is None:  # never relay unauthenticated when the route says to log in
            raise TemporaryDeliveryError(f"the route's credentials secret {name!r} has no secret reader",
                                         enhanced_status="4.3.5")
        try:
            secret = json.loads(self._secrets.get(name))
            self._credentials = (str(secret["username"]), str(secret["password"]))
        except Exception as exc:  # the reader's own errors, bad JSON, missing keys: all config
            raise TemporaryDeliveryError(
                f"cannot read the SMTP credentials from secret {name!r}: {type(exc).__name__}",
                enhanced_status="4.3.5") from exc
        return self._credentials

    def _context(self) -> ssl.SSLContext:
        context = self._tls_context()
        context.minimum_version = max(context.minimum_version, ssl.TLSVersion.TLSv1_2)
        if not self.route.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _open(self, host: SmtpHost, needs: _Needs, credentials: tuple[str, str] | None) -> _Session:
        session = self._connect(host)
        try:
            self._hello(session)
            if not session.tls:
                self._starttls(session)
            if needs.smtputf8 and not session.smtp.has_extn("smtputf8"):
                raise PermanentDeliveryError(
                    "the server does not offer SMTPUTF8, which the non-ASCII addresses need",
                    enhanced_status="5.6.7", host=host.host, port=host.port)
            if credentials is not None:
                self._authenticate(session, credentials)
        except DeliveryError:
            session.close()
            raise
        except (smtplib.SMTPException, OSError) as exc:  # dropped or timed out while setting up
            session.broken = True
            session.close()
            raise _temporary(f"the connection failed while setting up the session: {exc}", host) from exc
        return session

    def _connect(self, host: SmtpHost) -> _Session:
        timeout = self.settings.connect_timeout_seconds
        implicit = host.port in self.implicit_tls_ports
        try:
            if implicit:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host.host, host.port, local_hostname=self.helo_name,
                                                      timeout=timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(host.host, host.port, local_hostname=self.helo_name, timeout=timeout)
        except smtplib.SMTPConnectError as exc:  # connected, but the greeting was not 220
            raise _refusal("the server refused the connection", exc.smtp_code, exc.smtp_error,
                           host) from exc
        except ssl.SSLError as exc:
            raise _temporary(f"the TLS handshake failed: {exc}", host, "4.7.5") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out, dropped
            raise _temporary(f"cannot connect: {exc}", host) from exc
        return _Session(smtp, host, tls=implicit)

    def _hello(self, session: _Session) -> None:
        code, reply = session.smtp.ehlo(self.helo_name or "")
        if not _is_ok(code):
            code, reply = session.smtp.helo(self.helo_name or "")
        if not _is_ok(code):
            raise _refusal("the server rejected our EHLO and HELO", code, reply, session.host)

    def _starttls(self, session: _Session) -> None:
        """STARTTLS whenever offered; without it, go on in clear only if the route allows."""
        smtp, host = session.smtp, session.host
        if smtp.has_extn("starttls"):
            try:
                smtp.starttls(context=self._context())
            except smtplib.SMTPResponseException as exc:  # STARTTLS refused; still plaintext, usable
                if self.route.require_tls:
                    raise _temporary(f"the server refused STARTTLS: {exc.smtp_code} "
                                     f"{_text(exc.smtp_error)}", host, "4.7.4") from exc
                log.warning("%s:%s refused STARTTLS, going on in clear: %s", host.host, host.port, exc)
                return
            except ssl.SSLError as exc:  # a failed or unverifiable handshake: never fall back to clear
                session.broken = True
                raise _temporary(f"the TLS handshake failed: {exc}", host, "4.7.5") from exc
            session.tls = True
            self._hello(session)  # RFC 3207: forget what was said before TLS
        elif self.route.require_tls:
            raise _temporary("TLS is required for this route but the server does not offer STARTTLS",
                             host, "4.7.4")

    def _authenticate(self, session: _Session, credentials: tuple[str, str]) -> None:
        """Failures defer rather than bounce: a wrong password is ours to fix, not the sender's."""
        smtp, host = session.smtp, session.host
        if not session.tls:
            raise _temporary("credentials are configured but the connection is not encrypted; "
                             "not sending them in clear", host, "4.7.11")
        if not smtp.has_extn("auth"):
            raise _temporary("credentials are configured but the server does not offer AUTH", host, "4.7.0")
        try:
            _login(smtp, *credentials)
        except smtplib.SMTPResponseException as exc:
            raise TemporaryDeliveryError("authentication failed", code=exc.smtp_code,
                                         server_text=_text(exc.smtp_error), enhanced_status="4.7.8",
                                         host=host.host, port=host.port) from exc
        except (smtplib.SMTPException, UnicodeError) as exc:  # no mechanism in common for these
            raise _temporary(f"authentication failed: {exc}", host, "4.7.0") from exc

    # -- the transaction: from here on, the server's reply is the answer -------------------------------

    def _transact(self, session: _Session, mail_from: str, recipients: Sequence[str], data: bytes,
                  needs: _Needs) -> DeliveryResult:
        smtp, host = session.smtp, session.host
        stage = "MAIL FROM"
        reply: bytes | str
        try:
            code, reply = smtp.mail(mail_from, self._mail_options(smtp, data, needs))
            if not _is_ok(code):
                refused = dict.fromkeys(recipients, (code, _text(reply)))
                return self._result(session, (), refused, code, reply)
            stage = "RCPT TO"
            accepted: list[str] = []
            refused = {}
            for rcpt in recipients:
                code, reply = smtp.rcpt(rcpt)
                if _is_ok(code):
                    accepted.append(rcpt)
                else:
                    refused[rcpt] = (code, _text(reply))
            if not accepted:
                return self._result(session, (), refused, code, reply)
            stage = "DATA"
            try:
                code, reply = smtp.data(data)
            except smtplib.SMTPDataError as exc:  # the DATA command itself was refused
                code, reply = exc.smtp_code, exc.smtp_error
        except (smtplib.SMTPException, OSError) as exc:
            # Dropped mid-transaction: nothing was delivered unless the final dot got through,
            # in which case a retry may deliver twice (delivery is at-least-once by design).
            session.broken = True
            raise _temporary(f"the connection failed during {stage}: {exc}", host) from exc
        if not _is_ok(code):
            refused.update(dict.fromkeys(accepted, (code, _text(reply))))
            accepted = []
        return self._result(session, tuple(accepted), refused, code, reply)

    @staticmethod
    def _mail_options(smtp: smtplib.SMTP, data: bytes, needs: _Needs) -> list[str]:
        options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
        if needs.eightbit and smtp.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if needs.smtputf8 or (needs.utf8_headers and smtp.has_extn("smtputf8")):
            options.append("SMTPUTF8")
        return options

    @staticmethod
    def _result(session: _Session, accepted: tuple[str, ...], refused: dict[str, tuple[int, str]],
                code: int, reply: bytes | str) -> DeliveryResult:
        text = _text(reply)
        queued = _QUEUED_AS.search(text) if accepted else None
        return DeliveryResult(host=session.host.host, port=session.host.port, tls=session.tls,
                              accepted=accepted, refused=refused, reply=f"{code} {text}".strip(),
                              queue_id=queued.group(1) if queued else None)


def _no_host_took_it(failures: list[DeliveryError]) -> DeliveryError:
    """One error for the whole route, told by the last host: permanent only if every host was."""
    last = failures[-1]
    if len(failures) == 1:
        return last
    kind = PermanentDeliveryError if all(isinstance(f, PermanentDeliveryError) for f in failures) \
        else TemporaryDeliveryError
    earlier = "; ".join(str(f) for f in failures[:-1])
    return kind(f"{last.summary} (after {earlier})", code=last.code, server_text=last.server_text,
                enhanced_status=last.enhanced_status, host=last.host, port=last.port)
