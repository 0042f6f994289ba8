"""The daily digest: each user gets one message listing what Backup held for them since their last digest, with
signed single-use links (mailgate.backup.links) to release a message, to release it and allow its sender, and
to open their personal Backup.

Who gets one: recipients of entries kept in the period whose domain the gateway accepts, that have not opted
out (the organisation's `digest.opted_out`, or the user's own `digest` false on their personal lists, PUT
/lists/personal) and that the directory does not report as duplicated (they have no personal Backup).
Users with nothing new get nothing. Release links are offered only for what a user may release themselves
(`backup_self_release`, never infected or phishing mail); other entries are listed without them.

The message is sent straight to the user's route (the deliverer of their domain), never through the scan
queue, so our own rules can never hold it. Everything a sender wrote (subject, address) is text: escaped in
the HTML part, one line without control characters in both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol
from urllib.parse import quote

from mailgate.backup.links import LinkAction, LinkSigner
from mailgate.backup.model import BackupIndex, BackupRecord
from mailgate.backup.safe_view import is_dangerous
from mailgate.backup.search import BackupQuery
from mailgate.config import GatewayConfig

FIRST_LOOKBACK = timedelta(days=1)  # a user's first digest covers the last day
MAX_LOOKBACK = timedelta(days=7)  # a digest never reaches further back (a long outage of the job)
RUN_MARK = ""  # the marks' key of the last run that reached everyone: where the next run starts reading
MAX_LISTED = 100  # entries in one digest; the rest are in the personal Backup
PAGE = 200
SHOWN = 200  # characters of a subject or sender shown
LINKS_PATH = "/links/"
_POLICY = policy.SMTP.clone(max_line_length=998)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


class DigestMarks(Protocol):
    """When each user's last digest ended (aws/digest_marks.py)."""

    def last_sent(self, address: str) -> str | None: ...

    def mark_sent(self, address: str, until: str) -> None: ...


@dataclass(frozen=True)
class DigestPorts:
    index: BackupIndex
    marks: DigestMarks
    signer: LinkSigner
    send: Callable[[str, str, bytes], None]  # (mail from, to, message): raises when it was not delivered
    personal_allowed: Callable[[str], bool] = lambda address: True  # False: the directory reports a duplicate
    wants_digest: Callable[[str], bool] = lambda address: True  # False: the user opted out themselves
    sign: Callable[[bytes], bytes] | None = None  # DKIM, when a key is configured for the sender's domain


@dataclass
class DigestRun:
    sent: list[str] = field(default_factory=list)  # users a digest was delivered to
    failed: dict[str, str] = field(default_factory=dict)  # user → why not
    skipped: dict[str, str] = field(default_factory=dict)  # user → why none (opted out, duplicated)
    entries: int = 0  # entries read


def run_digest(config: GatewayConfig, ports: DigestPorts, now: datetime | None = None) -> DigestRun:
    """Sends every due digest; a user's mark moves on only when their digest was delivered. Entries are read from
    the end of the last run that reached everyone (a day back the first time, never more than a week)."""
    settings, run = config.digest, DigestRun()
    if not settings.enabled:
        return run
    now = now or datetime.now(UTC)
    end = _iso(now)
    last_run = ports.marks.last_sent(RUN_MARK)
    start = max(now - MAX_LOOKBACK, _moment(last_run) if last_run else now - FIRST_LOOKBACK)
    held = _held_per_user(config, ports.index, start, now, run)
    for user, records in sorted(held.items()):
        if user in settings.opted_out:
            run.skipped[user] = "opted out"
            continue
        if not ports.wants_digest(user):
            run.skipped[user] = "opted out themselves"
            continue
        if not ports.personal_allowed(user):
            run.skipped[user] = "the directory reports the account as duplicated"
            continue
        since = ports.marks.last_sent(user) or _iso(now - FIRST_LOOKBACK)
        new = [r for r in records if r.created_at > since and user not in {a.lower() for a in r.released_to}]
        if not new:
            continue
        sender = config.notifications.sender(config.authserv_id)
        data = compose_digest(config, ports.signer, user, new, now)
        if ports.sign is not None:
            data = ports.sign(data)
        try:
            ports.send(sender, user, data)
        except Exception as exc:  # this user's digest waits for the next run, the others go
            run.failed[user] = f"{type(exc).__name__}: {exc}"[:500]
            continue
        ports.marks.mark_sent(user, end)
        run.sent.append(user)
    if not run.failed:
        ports.marks.mark_sent(RUN_MARK, end)
    return run


def _held_per_user(config: GatewayConfig, index: BackupIndex, start: datetime, end: datetime,
                   run: DigestRun) -> dict[str, list[BackupRecord]]:
    """user → their entries of the period, newest first: recipients in the accepted domains only."""
    query = BackupQuery(start=_iso(start), end=_iso(end + timedelta(seconds=1)))
    held: dict[str, list[BackupRecord]] = {}
    token: str | None = None
    while True:
        records, token = index.search(query, PAGE, token)
        for record in records:
            run.entries += 1
            for recipient in dict.fromkeys(r.strip().lower() for r in record.recipients):
                if config.accepts(recipient):
                    held.setdefault(recipient, []).append(record)
        if token is None:
            return held


def compose_digest(config: GatewayConfig, signer: LinkSigner, user: str, records: Iterable[BackupRecord],
                   now: datetime) -> bytes:
    """One text + HTML message to `user` listing `records` with their links."""
    listed = list(records)
    shown, more = listed[:MAX_LISTED], max(len(listed) - MAX_LISTED, 0)
    base = config.digest.public_base_url.rstrip("/")
    rows = [_Row(r, *(_links(signer, base, r, user) if _releasable(config, r) else ("", ""))) for r in shown]
    backup_link = config.digest.console_url or _url(base, signer.sign("", user, LinkAction.OPEN))
    message = EmailMessage(policy=_POLICY if user.isascii() else _POLICY.clone(utf8=True))
    message["From"] = f"Mail Gateway <{config.notifications.sender(config.authserv_id)}>"
    message["To"] = user
    count = len(listed)
    message["Subject"] = f"Backup: {count} message{'s' if count != 1 else ''} held for you"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("digest", domain=config.authserv_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: nobody answers it automatically
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(_text(rows, more, backup_link, config.digest.link_days))
    message.add_alternative(_html(rows, more, backup_link, config.digest.link_days), subtype="html")
    return bytes(message.as_bytes())


@dataclass(frozen=True)
class _Row:
    record: BackupRecord
    release: str  # URL, or "" when the user may not release it themselves
    release_allow: str


def _releasable(config: GatewayConfig, record: BackupRecord) -> bool:
    return not is_dangerous(record) and record.held_by in config.backup_self_release


def _links(signer: LinkSigner, base: str, record: BackupRecord, user: str) -> tuple[str, str]:
    return (_url(base, signer.sign(record.backup_id, user, LinkAction.RELEASE)),
            _url(base, signer.sign(record.backup_id, user, LinkAction.RELEASE_ALLOW_SENDER)))


def _url(base: str, token: str) -> str:
    return f"{base}{LINKS_PATH}{quote(token, safe='')}"


def _line(text: str) -> str:
    return " ".join(_CONTROLS.sub(" ", text or "").split())[:SHOWN]


def _text(rows: list[_Row], more: int, backup_link: str, days: int) -> str:
    lines = ["These messages to you were held by the mail gateway since your last digest.", ""]
    for row in rows:
        r = row.record
        lines += [f"From:    {_line(r.sender) or '(empty sender)'}", f"Subject: {_line(r.subject) or '(no subject)'}",
                  f"Time:    {r.created_at[:16].replace('T', ' ')} UTC", f"Reason:  {_line(r.reason)}"]
        if row.release:
            lines += [f"Release: {row.release}", f"Release and always allow this sender: {row.release_allow}"]
        else:
            lines.append("Only an administrator can release this message: ask for it in your personal Backup.")
        lines.append("")
    if more:
        lines += [f"... and {more} more in your personal Backup.", ""]
    lines += [f"Your personal Backup: {backup_link}", "",
              f"Each link works once and for {days} days. Opening a link shows what it will do; nothing happens "
              "until you confirm."]
    return "\n".join(lines) + "\n"


def _html(rows: list[_Row], more: int, backup_link: str, days: int) -> str:
    e = html.escape
    items = []
    for row in rows:
        r = row.record
        actions = (f'<a href="{e(row.release)}">Release</a> · '
                   f'<a href="{e(row.release_allow)}">Release and always allow this sender</a>' if row.release
                   else "Only an administrator can release this message.")
        items.append(
            f"<tr><td>{e(_line(r.sender) or '(empty sender)')}</td><td>{e(_line(r.subject) or '(no subject)')}</td>"
            f"<td>{e(r.created_at[:16].replace('T', ' '))} UTC</td><td>{e(_line(r.reason))}</td>"
            f"<td>{actions}</td></tr>")
    extra = f"<p>… and {more} more in your personal Backup.</p>" if more else ""
    return ("<!DOCTYPE html><html><body>"
            "<p>These messages to you were held by the mail gateway since your last digest.</p>"
            '<table border="1" cellpadding="4"><tr><th>From</th><th>Subject</th><th>Time</th><th>Reason</th>'
            f"<th></th></tr>{''.join(items)}</table>{extra}"
            f'<p><a href="{e(backup_link)}">Your personal Backup</a></p>'
            f"<p>Each link works once and for {days} days. Opening a link shows what it will do; nothing happens "
            "until you confirm.</p></body></html>\n")


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
