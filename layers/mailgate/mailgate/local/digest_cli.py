"""`mailgate digest --state-dir DIR`: the daily digest of Backup now, against the local gateway `mailgate serve`
runs there, as EventBridge Scheduler runs it in AWS: the api function's handler with the scheduled job's event,
in this process, reaching the gateway's moto server, tables and downstream server through `workers.json`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from mailgate.environment import SCHEDULED_JOB_KEY
from mailgate.local.worker import WORKER_PLAN, WorkerPlan
from mailgate.secret_names import LINK_KEYS

logger = logging.getLogger(__name__)
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


def seconds_until_next(hour: int, time_zone: str, now: datetime | None = None) -> float:
    """Until the next `hour`:00 in `time_zone`, as the stack's cron schedule fires (`mailgate serve`'s timer)."""
    zone = ZoneInfo(time_zone)
    local_now = (now or datetime.now(UTC)).astimezone(zone)
    due = local_now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if due <= local_now:
        due = (due.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=zone)  # wall clock, across DST
    return max((due - local_now).total_seconds(), 1.0)


def daily(run: Callable[[], Any], stop: threading.Event) -> None:
    """Runs the digest job (in `mailgate serve`'s process) daily at the configured hour until `stop` is set; the
    hour and time zone are read again after each run, so a settings change applies from the next day."""
    from mailgate.wiring.process import config  # noqa: PLC0415

    def wait() -> float:
        try:
            return seconds_until_next(config().digest.hour, config().digest.time_zone)
        except Exception:  # settings that cannot be read now: look again in an hour
            logger.exception("local digest schedule: cannot read the digest's settings")
            return 3600.0

    while not stop.wait(wait()):
        try:
            ensure_link_keys()
            run()
        except Exception:  # tried again the next day, as the schedule would
            logger.exception("local digest job failed")


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
