"""`mailgate backup list|show|release|download|delete`: Backup through a running gateway's admin API.

Exit status: 0 done, 1 the API refused (its message says why and what to do), 2 a usage error or no API.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any, TextIO

from mailgate.admin_client import AdminClient, ApiRefused, ApiUnreachable, connect, fetch

HELD_BY = ("antivirus", "antispam", "antiphishing", "links", "content_filter", "authentication", "deny_list",
           "delivery_failure", "processing_error", "rule")
FILTERS = {"from": "start", "to": "end", "sender": "sender", "recipient": "recipient", "subject": "subject",
           "message_id_header": "message_id_header", "held_by": "held_by", "rule": "rule", "sender_ip": "sender_ip"}


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = commands.add_parser("backup", help="search, view, release, download and delete Backup entries "
                                 "through the admin API", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = backup.add_subparsers(dest="backup_command", required=True)
    listing = actions.add_parser("list", help="entries, newest first, filtered")
    _filters(listing)
    listing.add_argument("--limit", type=int, default=50, help="entries per page (default %(default)s)")
    listing.add_argument("--all", action="store_true", help="every page, not only the first")
    show = actions.add_parser("show", help="one entry: its safe view (headers, text, attachments, scan)")
    show.add_argument("backup_id")
    release = actions.add_parser("release", help="deliver an entry to its recipients or other addresses")
    release.add_argument("backup_id")
    release.add_argument("--to", action="append", metavar="ADDRESS", help="a recipient (repeatable; default: "
                         "the entry's own recipients)")
    release.add_argument("--as-attachment", action="store_true", help="a new message carrying the original")
    release.add_argument("--confirm", action="store_true", help="release infected or phishing mail (Administrator)")
    release.add_argument("--request-id", help="the same id twice delivers once (default: the API's own guard)")
    download = actions.add_parser("download", help="save the original .eml")
    download.add_argument("backup_id")
    download.add_argument("-o", "--output", type=Path, help="the file to write (default: <backup id>.eml; - for "
                          "standard output)")
    download.add_argument("--include-infected", action="store_true",
                          help="download an infected message (Administrator only)")
    delete = actions.add_parser("delete", help="delete entries by id, or every entry a filter selects")
    delete.add_argument("backup_ids", nargs="*", metavar="BACKUP_ID")
    _filters(delete)
    delete.add_argument("--yes", action="store_true", help="with a filter: delete (without it: only count)")
    for parser in (listing, show, release, download, delete):
        parser.add_argument("--json", action="store_true", help="the API's answers as JSON")
        parser.add_argument("--api", help="the admin API's URL (default: $MAILGATE_API or the local gateway's "
                            "http://127.0.0.1:8025)")
        parser.add_argument("--token", help="a bearer token (default: $MAILGATE_TOKEN, or one made from the "
                            "local gateway's --state-dir for --user)")
        parser.add_argument("--state-dir", type=Path, help="the local gateway's state folder (default .mailgate)")
        parser.add_argument("--user", default="admin", help="the local gateway's user the token is for: admin, "
                            "officer, auditor or user (default %(default)s)")
    backup.set_defaults(func=run)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", metavar="TIME", help="ISO 8601 (default: 30 days ago)")
    parser.add_argument("--to", dest="end", metavar="TIME", help="ISO 8601 (default: now)")
    parser.add_argument("--sender", help="the envelope sender, exactly")
    parser.add_argument("--recipient", help="a recipient, exactly")
    parser.add_argument("--subject", help="a case-insensitive part of the subject")
    parser.add_argument("--message-id", dest="message_id_header", help="the message's own Message-ID header")
    parser.add_argument("--held-by", choices=HELD_BY, help="why it was kept")
    parser.add_argument("--rule", help="the rule that kept it")
    parser.add_argument("--sender-ip", help="the sending client's IP address")
    released = parser.add_mutually_exclusive_group()
    released.add_argument("--released", dest="released", action="store_true", default=None)
    released.add_argument("--not-released", dest="released", action="store_false")


def _filter_of(args: argparse.Namespace) -> dict[str, Any]:
    chosen = {name: getattr(args, attribute) for name, attribute in FILTERS.items()
              if getattr(args, attribute, None) is not None}
    if args.released is not None:
        chosen["released"] = args.released
    return chosen


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        client = connect(args.api, args.token, args.state_dir, args.user)
        return COMMANDS[args.backup_command](client, args, out)
    except ApiRefused as exc:
        err.write(f"mailgate backup {args.backup_command}: refused: {exc}\n")
        return 1
    except (ApiUnreachable, ValueError) as exc:
        err.write(f"mailgate backup {args.backup_command}: {exc}\n")
        return 2


def _path(backup_id: str, *rest: str) -> str:
    return "/".join(["/backup", urllib.parse.quote(backup_id, safe=""), *rest])


def _list(client: AdminClient, args: argparse.Namespace, out: TextIO) -> int:
    cursor = None
    while True:
        answer = client.call("GET", "/backup", query={**_filter_of(args), "limit": args.limit, "cursor": cursor})
        for entry in answer["items"]:
            out.write(json.dumps(entry) + "\n" if args.json else _line(entry))
        cursor = answer.get("next_cursor")
        if not (args.all and cursor):
            if cursor and not args.json:
                out.write("(more: give --all for every page)\n")
            return 0


def _line(entry: dict[str, Any]) -> str:
    released = " released" if entry.get("released") else ""
    return (f"{entry['created_at'][:19]}  {entry.get('held_by', ''):16s} {entry['sender'][:40]:40s} "
            f"{_printable(entry['subject'])[:50]:50s} → {', '.join(entry['recipients'][:3])}{released}\n"
            f"    {entry['backup_id']}\n")


def _printable(text: str) -> str:
    """A sender's subject on an administrator's terminal: no control sequences."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _show(client: AdminClient, args: argparse.Namespace, out: TextIO) -> int:
    try:
        view = client.call("GET", _path(args.backup_id, "view"))
    except ApiRefused as exc:
        if exc.status != 404:
            raise
        view = {"entry": client.call("GET", _path(args.backup_id))}  # a gateway without the safe view
    if args.json:
        out.write(json.dumps(view, indent=2) + "\n")
        return 0
    out.write(_printable_view(view))
    return 0


def _printable_view(view: dict[str, Any]) -> str:
    lines: list[str] = []
    for name, value in ((k, v) for k, v in view.items() if not isinstance(v, list | dict)):
        lines.append(f"{name}: {_printable(str(value))}")
    for name, value in ((k, v) for k, v in view.items() if isinstance(v, list | dict)):
        lines.append(f"\n{name}:")
        for item in value if isinstance(value, list) else [value]:
            lines.append("  " + _printable(json.dumps(item, ensure_ascii=False))[:2000])
    return "\n".join(lines) + "\n"


def _release(client: AdminClient, args: argparse.Namespace, out: TextIO) -> int:
    body: dict[str, Any] = {"as_attachment": args.as_attachment}
    if args.to:
        body["to"] = args.to
    if args.confirm:
        body["confirm"] = True
    if args.request_id:
        body["request_id"] = args.request_id
    answer = client.call("POST", _path(args.backup_id, "release"), body)
    out.write(json.dumps(answer, indent=None if args.json else 2) + "\n")
    return 0


def _download(client: AdminClient, args: argparse.Namespace, out: TextIO) -> int:
    answer = client.call("POST", _path(args.backup_id, "download"), {"include_infected": args.include_infected})
    data = fetch(answer["url"])
    if args.output is not None and str(args.output) == "-":
        sys.stdout.buffer.write(data)
        return 0
    target = args.output or Path(f"{args.backup_id.replace('/', '_')}.eml")
    target.write_bytes(data)
    out.write(json.dumps({"file": str(target), "bytes": len(data)}) + "\n" if args.json
              else f"{len(data)} bytes written to {target}\n")
    return 0


def _delete(client: AdminClient, args: argparse.Namespace, out: TextIO) -> int:
    chosen = _filter_of(args)
    if args.backup_ids and chosen:
        raise ValueError("give entry ids or filters, not both")
    if args.backup_ids:
        for backup_id in args.backup_ids:
            answer = client.call("DELETE", _path(backup_id))
            out.write(json.dumps(answer) + "\n" if args.json else f"deleted {backup_id}\n")
        return 0
    if not chosen:
        raise ValueError("give entry ids, or filters (--sender, --held-by, --from, ...) for a bulk deletion")
    answer = client.call("POST", "/backup/delete", {"filter": chosen, "dry_run": not args.yes})
    if args.json:
        out.write(json.dumps(answer) + "\n")
    elif answer["dry_run"]:
        more = " (more than that: it takes several runs)" if answer["more"] else ""
        out.write(f"{answer['matched']} entries match{more}; add --yes to delete them\n")
    else:
        more = "; more match: run it again" if answer["more"] else ""
        out.write(f"deleted {len(answer['removed'])} entries{more}\n")
    return 0


COMMANDS = {"list": _list, "show": _show, "release": _release, "download": _download, "delete": _delete}
