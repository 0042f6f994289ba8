"""The organisation's own mail into local mode: SMTP submission with AUTH on a port of its own, as the Mail
Manager's authenticated ingress point takes it in AWS (docs/outbound.md). Messages are stored under `outgoing/`,
which only this path writes, so the scan step reads them as outbound; the login goes with the notification. The
"internet" the gateway then sends to is a local folder server (`internet/`), never the real one.

The login is generated at the first start and kept in the state directory (`submission.json`, mode 0600); a
wrong password, or mail before AUTH, is refused as a real submission server refuses it."""

from __future__ import annotations

import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

from mailgate.local.smtp_ingress import IngressHandler
from mailgate.local.smtp_ingress import _path_problem as path_problem

OUTGOING_PREFIX = "outgoing/"  # mailgate.scan.service.OUTGOING_PREFIX
MAX_RECIPIENTS = 1000  # per transaction, as a submission server limits a client


def _not_utf8(address: str) -> str | None:
    """Bytes that are not UTF-8 (aiosmtpd keeps them as surrogates): inbound mail records them as a problem of
    the envelope, but outbound mail would carry them to the internet."""
    try:
        address.encode("utf-8")
    except UnicodeEncodeError:
        return "bytes that are not UTF-8"
    return None


class SubmissionHandler(IngressHandler):
    """The ingress's hooks without its domain check (outbound mail goes anywhere), for authenticated clients."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if not getattr(session, "authenticated", False):
            return "530 5.7.0 Authentication required"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return f"452 4.5.3 Too many recipients: at most {MAX_RECIPIENTS} per message"
        if problem := path_problem(address) or _not_utf8(address):
            return f"501 5.1.3 Bad recipient address syntax: {problem}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if problem := _not_utf8(address):  # the organisation's own mail goes out as it is: SES takes no such bytes
            return f"501 5.1.7 Bad sender address syntax: {problem}"
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    def notification(self, session: Any, message_id: str, key: str, envelope: Any, timestamp: str) -> dict[str, Any]:
        note = super().notification(session, message_id, key, envelope, timestamp)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else session.auth_data
        if isinstance(login, bytes):
            login = login.decode("utf-8", "replace")
        note["receipt"]["mailgate"] = {"authenticated_as": str(login or "")[:255]}
        return note


class Login:
    """One user and password for the organisation's "mail server" (a test client, or a real one pointed at it)."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Login:
        path = state_dir / "submission.json"
        if path.exists():
            data = json.loads(path.read_text())
            return cls(str(data["username"]), str(data["password"]))
        login = cls("relay", secrets.token_urlsafe(18))
        path.touch(mode=0o600)
        path.write_text(json.dumps({"username": login.username, "password": login.password}))
        os.chmod(path, 0o600)
        return login

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        """aiosmtpd's authenticator: PLAIN and LOGIN, compared in constant time."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        given = auth_data.password.decode("utf-8", "replace")
        good = hmac.compare_digest(user, self.username) & hmac.compare_digest(given, self.password)
        return AuthResult(success=bool(good), handled=False, auth_data=auth_data if good else None)
