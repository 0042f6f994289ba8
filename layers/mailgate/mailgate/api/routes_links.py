"""The digest's links: public (no token: the signed single-use link is the credential), plain HTML pages.

GET says what the link will do and shows a button; only POST does it. Mail security scanners fetch every link
of a message before its reader does, so a GET that acted would release mail nobody asked for. A link that was
used, has expired or was tampered with gets a page saying so (410, 410, 400), one naming someone the entry
does not list 404; none of them says anything about any message. A link never starts a session.
"""

from __future__ import annotations

import html
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from mailgate.api.guard import PUBLIC, ROUTE_ROLES
from mailgate.api.ports import Ports
from mailgate.backup.link_actions import Done, LinkPorts, Looked, Outcome, inspect, use
from mailgate.backup.links import LinkAction, LinkStatus
from mailgate.backup.model import BackupRecord

RULE = "/links/<token>"
HTML = "text/html; charset=utf-8"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'"}
REFUSED = {  # status → (HTTP status, title, sentence)
    LinkStatus.USED: (410, "This link was already used",
                      "Each link in the Backup digest works once, and this one has been used. Your personal Backup "
                      "shows what happened to the message."),
    LinkStatus.EXPIRED: (410, "This link has expired",
                         "Links in the Backup digest work for a limited number of days. Open your personal Backup or "
                         "wait for the next digest."),
    LinkStatus.TAMPERED: (400, "This link is not valid",
                          "The link is incomplete or was changed. Copy the whole link from the digest, or open your "
                          "personal Backup."),
    LinkStatus.NOT_YOURS: (404, "Nothing to do for this link",
                           "The message this link names is no longer in Backup for you."),
}
DONE = {  # outcome → (HTTP status, title)
    Done.RELEASED: (200, "Message released"),
    Done.ALREADY_RELEASED: (200, "Message already released"),
    Done.FAILED: (503, "The message could not be delivered now"),
    Done.NOT_ALLOWED: (403, "Only an administrator can release this message"),
}
WHAT = {LinkAction.RELEASE: "Release this message to you",
        LinkAction.RELEASE_ALLOW_SENDER: "Release this message to you and always allow its sender",
        LinkAction.OPEN: "Open your personal Backup"}
_STATUSES = (200, 400, 403, 404, 410, 413, 500, 503)
_DESCRIBED = {200: "the page (GET: what the link will do, with a button; POST: the outcome)",
              400: "not a valid link (changed or incomplete)", 403: "users may no longer release this kind of hold",
              404: "the entry no longer lists the link's recipient", 410: "the link was used or has expired",
              413: "the request body is too large (JSON, as every API error)",
              500: "an unexpected error (JSON, as every API error)",
              503: "not delivered now (the link still works)"}


def _page(status: int, title: str, *paragraphs: str, form: str = "") -> Response[str]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    text = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f'<meta name="referrer" content="no-referrer"><title>{html.escape(title)}</title></head>'
            f"<body><h1>{html.escape(title)}</h1>{body}{form}</body></html>\n")
    return Response(status_code=status, content_type=HTML, body=text, headers=dict(HEADERS))


def _message(record: BackupRecord | None) -> str:
    if record is None:
        return ""
    subject = " ".join((record.subject or "(no subject)").split())[:200]
    sender = " ".join((record.sender or "(empty sender)").split())[:200]
    return f"The message “{subject}” from {sender}, held on {record.created_at[:16].replace('T', ' ')} UTC."


def _refused(status: LinkStatus) -> Response[str]:
    code, title, sentence = REFUSED[status]
    return _page(code, title, sentence)


def _shown(looked: Looked, console_url: str) -> Response[str]:
    if looked.status != LinkStatus.VALID or looked.link is None:
        return _refused(looked.status)
    link = looked.link
    if link.action == LinkAction.OPEN:
        where = (f"Your personal Backup is at {console_url} (sign in there)." if console_url
                 else "Sign in to the mail gateway's console to see your personal Backup.")
        return _page(200, WHAT[link.action], where, "This link does not sign you in.")
    button = f'<form method="post"><button type="submit">{html.escape(WHAT[link.action])}</button></form>'
    allow = (f" Mail from {looked.record.sender} will no longer be checked for spam for you."
             if link.action == LinkAction.RELEASE_ALLOW_SENDER and looked.record else "")
    return _page(200, WHAT[link.action], _message(looked.record),
                 f"It will be delivered to {link.recipient}.{allow} Nothing happens until you press the button; "
                 "the link then stops working.", form=button)


def _outcome(outcome: Outcome) -> Response[str]:
    if outcome.status != LinkStatus.VALID:
        return _refused(outcome.status)
    if outcome.done is None:  # an OPEN link: nothing to do
        return _page(200, WHAT[LinkAction.OPEN], "Sign in to the mail gateway's console to see your personal Backup.")
    code, title = DONE[outcome.done]
    lines = [_message(outcome.record)]
    if outcome.done in (Done.RELEASED, Done.ALREADY_RELEASED):
        lines.append("It has been delivered to your mailbox." if outcome.done == Done.RELEASED
                     else "It had already been delivered to your mailbox; nothing new was sent.")
        if outcome.allowed_sender:
            lines.append("Its sender is now on your personal allow list.")
    elif outcome.done == Done.FAILED:
        lines.append("Nothing was delivered and the link still works: try again later.")
    else:
        lines.append("Ask for its release in your personal Backup.")
    return _page(code, title, *[line for line in lines if line])


def _register(router: Router, method: str, func: Any) -> None:
    """As `guard.endpoint` registers a route, but its answers are HTML pages; what the resolver itself answers
    (a body too large, an unexpected error) is in the one JSON error model, as everywhere."""
    from mailgate.api.responses import ErrorBody  # noqa: PLC0415 - as guard.declared_responses

    ROUTE_ROLES[(method, RULE)] = PUBLIC
    page = {"text/html": {"schema": {"type": "string"}}}
    responses: dict[int, Any] = {code: {"description": _DESCRIBED[code],
                        "content": page if code == 200 else {**page, "application/json": {"model": ErrorBody}}}
                 for code in _STATUSES if code != 413 or method == "POST"}
    router.route(RULE, method, operation_id="getLink" if method == "GET" else "useLink", tags=["digest links"],
                 responses=responses, summary=(func.__doc__ or "").split("\n")[0])(func)


def links_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def link_ports() -> LinkPorts | None:
        return ports.links()

    def get_link(token: str) -> Response[str]:
        """What a digest link will do, with a button to do it (public; looking never acts)."""
        found = link_ports()
        if found is None:  # no key: no link can be one we signed
            return _refused(LinkStatus.TAMPERED)
        return _shown(inspect(found, token), ports.config().digest.console_url)

    def use_link(token: str) -> Response[str]:
        """Does what a digest link names, once (public): release to its recipient, and allow the sender."""
        found = link_ports()
        if found is None:
            return _refused(LinkStatus.TAMPERED)
        return _outcome(use(found, ports.config(), token))

    _register(router, "GET", get_link)
    _register(router, "POST", use_link)
    return router
