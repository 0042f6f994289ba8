"""Load the real Lambda handlers from functions/ so local mode runs exactly the deployed code."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


def functions_dir() -> Path:
    configured = os.environ.get("MAILGATE_FUNCTIONS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "functions"  # layers/mailgate/mailgate/local → repo


def load_function(name: str) -> ModuleType:
    path = functions_dir() / name / "handler.py"
    if not path.is_file():
        raise FileNotFoundError(f"no handler at {path}: run local mode from a mailgate checkout "
                                "or set MAILGATE_FUNCTIONS_DIR")
    spec = importlib.util.spec_from_file_location(f"mailgate_function_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NO_DEADLINE_MILLIS = 300_000  # a direct call with no queue behind it: the rules function's timeout


@dataclass
class LocalLambdaContext:
    """The attributes Powertools reads from a Lambda context.

    `deadline` (time.monotonic) is when the invocation's messages would be handed to another worker if
    this one died: Powertools idempotency lets another worker take over an "in progress" record after
    the remaining time, so it must end no later than that, or every retry finds the record still in
    progress and the last one holds the message in Backup.
    """

    function_name: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline: float | None = None

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        if self.deadline is None:
            return NO_DEADLINE_MILLIS
        return max(0, int((self.deadline - time.monotonic()) * 1000))

    def invocation(self, deadline: float | None) -> LocalLambdaContext:
        """The context of one invocation: its own request id and deadline."""
        return dataclasses.replace(self, aws_request_id=str(uuid.uuid4()), deadline=deadline)
