"""Scan and rules workers, in the gateway's process or in processes of their own.

`mailgate serve` writes what a worker needs to reach its queues (the functions' environment, the queue
URLs, the visibility timeout) to `workers.json` in its state directory; `mailgate worker rules` reads it
and polls the same queue. A worker of its own can be stopped, killed and started again while the gateway
runs, as Lambda's instances come and go.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailgate.environment import Env
from mailgate.local.event_source import QueuePoller
from mailgate.local.functions import LocalLambdaContext, load_function

WORKER_PLAN = "workers.json"
STEPS = ("scan", "rules")
# What `mailgate serve` writes to a plan's environment: the functions' own variables, AWS's and Powertools'.
# Anything else (PATH, LD_PRELOAD, PYTHONPATH) was put there by someone else, and is refused.
PLAN_PREFIXES = ("AWS_", "POWERTOOLS_", "MAILGATE_")


def _plan_variable(name: str) -> bool:
    return name in Env.__members__.values() or name.startswith(PLAN_PREFIXES)


@dataclass(frozen=True)
class WorkerPlan:
    environment: dict[str, str]
    queues: dict[str, tuple[str, str]]  # step → (queue URL, queue ARN)
    visibility_seconds: int
    region: str

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({"environment": self.environment, "region": self.region,
                                    "visibility_seconds": self.visibility_seconds,
                                    "queues": {k: list(v) for k, v in self.queues.items()}}, indent=2))

    @classmethod
    def read(cls, path: Path) -> WorkerPlan:
        data = json.loads(path.read_text())
        environment = {str(k): str(v) for k, v in data["environment"].items()}
        foreign = sorted(name for name in environment if not _plan_variable(name))
        if foreign:
            raise ValueError(f"it sets {', '.join(foreign)}, which `mailgate serve` never writes; "
                             "remove the file or start `mailgate serve` again to write a new one")
        return cls(environment=environment,
                   queues={str(k): (str(v[0]), str(v[1])) for k, v in data["queues"].items()},
                   visibility_seconds=int(data["visibility_seconds"]), region=str(data["region"]))


def start_pollers(plan: WorkerPlan, step: str, handler: Callable[[dict[str, Any], Any], Any],
                  count: int) -> list[QueuePoller]:
    url, arn = plan.queues[step]
    pollers = [QueuePoller(url, arn, handler, LocalLambdaContext(f"mailgate-{step}"), plan.region,
                           visibility_seconds=plan.visibility_seconds) for _ in range(count)]
    for poller in pollers:
        poller.start()
    return pollers


def run_worker(state_dir: Path, step: str, count: int) -> int:
    """Poll one step's queue of the gateway running in state_dir until SIGINT or SIGTERM."""
    path = state_dir / WORKER_PLAN
    if not path.is_file():
        raise FileNotFoundError(f"no {WORKER_PLAN} in {state_dir}: start `mailgate serve --state-dir "
                                f"{state_dir}` first, and give the worker the same --state-dir")
    plan = WorkerPlan.read(path)
    os.environ.update(plan.environment)
    from mailgate.local.message_lines import LineWriter, announcing, event_log_reader, quiet_metrics  # noqa: PLC0415

    quiet_metrics()
    from mailgate.aws import clients  # noqa: PLC0415
    from mailgate.wiring import process  # noqa: PLC0415

    clients.reset()
    process.reset()
    scheduler = None
    if step == "rules":  # the Anti-Spam Quarantine's re-scans are scheduled by whoever holds the message
        from mailgate.local.rescan_scheduler import LocalRescanScheduler  # noqa: PLC0415

        scan_url = plan.queues["scan"][0]
        sqs = clients.client("sqs")
        scheduler = LocalRescanScheduler(
            lambda body: sqs.send_message(QueueUrl=scan_url, MessageBody=json.dumps(body))).start()
        process.use_local_rescans(scheduler)
    handler = load_function(step).handler
    if step == "rules":  # the decided messages' lines, as `mailgate serve` prints them
        handler = announcing(handler, event_log_reader(), LineWriter())
    pollers = start_pollers(plan, step, handler, count)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"mailgate {step} worker: {count} poller(s) on {plan.queues[step][0]} (pid {os.getpid()})", flush=True)
    stop.wait()
    for poller in pollers:
        poller.stop()
    if scheduler is not None:
        scheduler.stop()
    return 0
