"""`mailgate replay`: proposed settings run over the messages of a time range through a running gateway's admin
API (POST /replays), waited for, and the difference printed: the counts in one sentence, then each message whose
decision changes with each changed recipient's live and proposed decision (docs/replay.md).

Exit status: 0 done, 1 the API refused or the job failed, 2 a usage error or no API.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from mailgate.admin_client import AdminClient, ApiRefused, ApiUnreachable, connect

POLL_SECONDS = 0.5


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = commands.add_parser("replay", help="what proposed settings would have decided over a time range, "
                                 "beside today's decisions, with no side effect", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    proposal = replay.add_mutually_exclusive_group(required=True)
    proposal.add_argument("--rules", type=Path, metavar="FILE", help="a proposed rule table (JSON, as the "
                          "`settings` of GET /settings/rules)")
    proposal.add_argument("--settings", type=Path, metavar="FILE", help="a whole settings document (JSON, as "
                          "GET /settings/export writes it)")
    replay.add_argument("--from", dest="start", metavar="TIME", help="ISO 8601 (default: a day before --to)")
    replay.add_argument("--to", dest="end", metavar="TIME", help="ISO 8601, exclusive (default: now)")
    replay.add_argument("--limit", type=int, default=1000, help="messages decided at most, up to 100000 (default "
                        "%(default)s)")
    replay.add_argument("--show", type=int, default=50, help="changed messages printed (default %(default)s)")
    replay.add_argument("--wait", type=float, default=600.0, help="seconds to wait for the job (default "
                        "%(default)s)")
    replay.add_argument("--json", action="store_true", help="the job's and its results' answers as JSON")
    replay.add_argument("--api", help="the admin API's URL (default: $MAILGATE_API or the local gateway's)")
    replay.add_argument("--token", help="a bearer token (default: $MAILGATE_TOKEN, or one made from --state-dir)")
    replay.add_argument("--state-dir", type=Path, help="the local gateway's state folder (default .mailgate)")
    replay.add_argument("--user", default="admin", help="the local gateway's user the token is for (default "
                        "%(default)s)")
    replay.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        body = _proposal(args)
        client = connect(args.api, args.token, args.state_dir, args.user)
        job = client.call("POST", "/replays", body)
        job = _wait(client, job, args.wait)
        changed = _changed(client, job["job_id"], args.show) if job["state"] == "done" else []
    except ApiRefused as exc:
        err.write(f"mailgate replay: refused: {exc}\n")
        return 1
    except (ApiUnreachable, ValueError, OSError) as exc:
        err.write(f"mailgate replay: {exc}\n")
        return 2
    if args.json:
        out.write(json.dumps({"job": job, "changed": changed}, indent=2) + "\n")
    else:
        _print(job, changed, out)
    if job["state"] != "done":
        err.write(f"mailgate replay: the job is {job['state']}: {job.get('error') or 'still running'}\n")
        return 1
    return 0


def _proposal(args: argparse.Namespace) -> dict[str, Any]:
    path: Path = args.rules or args.settings
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
    body: dict[str, Any] = {"sections": {"rules": value}} if args.rules else {"document": value}
    body["limit"] = args.limit
    body.update({k: v for k, v in (("from", args.start), ("to", args.end)) if v})
    return body


def _wait(client: AdminClient, job: dict[str, Any], seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        job = client.call("GET", f"/replays/{job['job_id']}")
    return job


def _changed(client: AdminClient, job_id: str, most: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while len(found) < most:
        page = client.call("GET", f"/replays/{job_id}/results", query={"limit": min(500, most - len(found)),
                                                                      "cursor": cursor})
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found


def _side(side: dict[str, Any]) -> str:
    why = "/".join(str(side[k]) for k in ("module", "verdict_class") if side.get(k))
    return f"{side['action']} (rule {side['rule']}{', ' + why if why else ''})"


def _print(job: dict[str, Any], changed: list[dict[str, Any]], out: TextIO) -> None:
    counts = job["counts"]
    out.write(f"replay {job['job_id']} {job['from']} → {job['to']}: {job['done']} of {job['total']} messages"
              f"{' (the range had more: raise --limit or narrow it)' if job['more'] else ''}\n")
    out.write(counts["summary"] + "\n")
    for arrow, number in sorted(counts["transitions"].items()):
        out.write(f"  {arrow}: {number}\n")
    for message in changed:
        out.write(f"{message['message_id']} from {message['sender']}:\n")
        for change in message["changed"]:
            out.write(f"  {change['recipient']}: {_side(change['live'])} → {_side(change['proposed'])}\n")
    if len(changed) < counts["changed_messages"]:
        out.write(f"(and {counts['changed_messages'] - len(changed)} more messages: give --show)\n")
