"""`mailgate digest --state-dir DIR`: the daily digest of Backup now, against the local gateway `mailgate serve`
runs there, as EventBridge Scheduler runs it in AWS: the api function's handler with the scheduled job's event,
in this process, reaching the gateway's moto server, tables and downstream server through `workers.json`."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any, TextIO

from mailgate.environment import SCHEDULED_JOB_KEY
from mailgate.local.worker import WORKER_PLAN, WorkerPlan
from mailgate.secret_names import LINK_KEYS

EXIT_UNUSABLE = 2
JOB = "backup_digest"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    digest = commands.add_parser("digest", help="send the daily digest of Backup now (local gateway)")
    digest.add_argument("--state-dir", default=".mailgate", help="the state directory `serve` runs with "
                        "(default: %(default)s)")
    digest.add_argument("--json", action="store_true", help="print the run's result as JSON")
    digest.set_defaults(func=run)


def ensure_link_keys() -> None:
    """Local mode makes the links' key on first use (the stack generates it in AWS); it lives in moto's
    Secrets Manager, so the gateway's API answers the links this run signs."""
    from mailgate.aws.clients import client  # noqa: PLC0415

    sm = client("secretsmanager")
    try:
        sm.describe_secret(SecretId=LINK_KEYS)
    except sm.exceptions.ResourceNotFoundException:
        sm.create_secret(Name=LINK_KEYS, SecretString=json.dumps({"keys": [secrets.token_urlsafe(48)]}))


def run_job(state_dir: Path) -> dict[str, Any]:
    path = state_dir / WORKER_PLAN
    if not path.is_file():
        raise FileNotFoundError(f"no {WORKER_PLAN} in {state_dir}: start `mailgate serve --state-dir {state_dir}` "
                                "first, and give `mailgate digest` the same --state-dir")
    plan = WorkerPlan.read(path)
    os.environ.update(plan.environment)
    from mailgate.aws import clients  # noqa: PLC0415
    from mailgate.local.functions import LocalLambdaContext, load_function  # noqa: PLC0415
    from mailgate.wiring import process  # noqa: PLC0415

    clients.reset()
    process.reset()
    ensure_link_keys()
    answer: dict[str, Any] = load_function("api").handler({SCHEDULED_JOB_KEY: JOB}, LocalLambdaContext("mailgate-api"))
    return answer


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        answer = run_job(Path(args.state_dir).resolve())
    except FileNotFoundError as exc:
        err.write(f"mailgate digest: {exc}\n")
        return EXIT_UNUSABLE
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.write(f"mailgate digest: {Path(args.state_dir) / WORKER_PLAN} cannot be used ({exc})\n")
        return EXIT_UNUSABLE
    result = answer.get("result", {})
    if args.json:
        out.write(json.dumps(result, indent=2) + "\n")
    else:
        sent, failed, skipped = result.get("sent", []), result.get("failed", {}), result.get("skipped", {})
        out.write(f"digest: {len(sent)} sent" + (f" ({', '.join(sent)})" if sent else "") + "\n")
        for user, why in {**failed, **skipped}.items():
            out.write(f"  {'failed' if user in failed else 'skipped'}: {user}: {why}\n")
    return 1 if result.get("failed") else 0
