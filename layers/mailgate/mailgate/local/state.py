"""What `mailgate scan` and `mailgate explain` take from a running local gateway (`--state-dir`).

`mailgate serve` writes the functions' environment to `workers.json` in its state directory (see
`mailgate.local.worker`). With it the CLI reads what the scan and rules functions read: the settings
table's configuration (with every admin API edit), the learned anti-spam counts, the directory cache and
each recipient's own allow/deny lists, through the same composition root (`mailgate.wiring`). Nothing is
written: a scan from the CLI stores, logs and learns nothing.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mailgate.local.worker import WORKER_PLAN, WorkerPlan

if TYPE_CHECKING:
    from mailgate.config import GatewayConfig
    from mailgate.directory.cache import DirectoryCache
    from mailgate.directory.index import DirectoryIndex
    from mailgate.rules.current import PersonalLookup
    from mailgate.scanners.antispam.learning import OrganisationModel

CONNECT_TIMEOUT_SECONDS = 2.0


class GatewayUnavailable(Exception):
    """No running local gateway behind the state directory; the message says what to do."""


@dataclass(frozen=True)
class RunningGateway:
    state_dir: Path
    config: GatewayConfig
    organisation: OrganisationModel | None
    directory: DirectoryCache | None
    personal: PersonalLookup | None

    def directory_index(self) -> DirectoryIndex | None:
        return self.directory.index() if self.directory is not None else None


def connect(state_dir: Path) -> RunningGateway:
    """The gateway `mailgate serve --state-dir state_dir` runs; GatewayUnavailable when none answers."""
    path = state_dir / WORKER_PLAN
    try:
        plan = WorkerPlan.read(path)
    except FileNotFoundError as exc:
        raise GatewayUnavailable(f"no {WORKER_PLAN} in {state_dir}: start `mailgate serve --state-dir "
                                 f"{state_dir}` and give the same --state-dir here") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GatewayUnavailable(f"{path} cannot be read ({exc}): start `mailgate serve --state-dir "
                                 f"{state_dir}` again") from exc
    _check_answers(plan.environment.get("AWS_ENDPOINT_URL", ""), state_dir)
    os.environ.update(plan.environment)
    from mailgate.aws import clients  # noqa: PLC0415
    from mailgate.wiring import process, stores  # noqa: PLC0415
    from mailgate.wiring.learning import antispam_model  # noqa: PLC0415
    from mailgate.wiring.rules import personal_lists  # noqa: PLC0415

    clients.reset()
    process.reset()
    return RunningGateway(state_dir, process.config(), antispam_model(), stores.directory_cache(), personal_lists())


def _check_answers(endpoint: str, state_dir: Path) -> None:
    """A state directory outlives its gateway: say so before boto3 retries a dead port for a minute."""
    address = urlsplit(endpoint)
    if not (address.hostname and address.port):
        raise GatewayUnavailable(f"{state_dir / WORKER_PLAN} names no AWS endpoint: "
                                 f"{json.dumps(endpoint)}")
    try:
        socket.create_connection((address.hostname, address.port), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as exc:
        raise GatewayUnavailable(f"the local gateway of {state_dir} does not answer at {endpoint} "
                                 f"({exc.strerror or exc}): is `mailgate serve --state-dir {state_dir}` "
                                 "running?") from exc
