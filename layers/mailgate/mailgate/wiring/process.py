"""What a function keeps for the life of its process: its settings from the environment, the gateway's
configuration (re-read so that an admin API edit reaches warm functions), the service built from them,
and the parts local mode plugs in where AWS has a service of its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from mailgate.aws.settings_table import load_gateway_config
from mailgate.config import GatewayConfig, load_config
from mailgate.environment import Settings

if TYPE_CHECKING:
    from mailgate.directory.service import SyncTrigger
    from mailgate.quarantine.rescan import RescanScheduler

T = TypeVar("T")

CONFIG_TTL_SECONDS = 30.0  # how soon a change made through the admin API reaches a warm function


@cache
def settings() -> Settings:
    return Settings.from_env()


_config: tuple[float, GatewayConfig] | None = None
_services: dict[str, tuple[GatewayConfig, Any]] = {}


def config() -> GatewayConfig:
    """The settings table's configuration when SETTINGS_TABLE is set (re-read every 30 s), else the
    environment's; the environment's also while the table holds none yet."""
    global _config  # noqa: PLW0603 - one cached value per process, like the cached settings
    now = time.monotonic()
    if _config is not None and now - _config[0] < CONFIG_TTL_SECONDS:
        return _config[1]
    table = settings().settings_table
    loaded = load_gateway_config(table) if table else None
    _config = (now, loaded or load_config())
    return _config[1]


def reset() -> None:
    """Read the environment and the configuration afresh (tests and local mode change both)."""
    global _config  # noqa: PLW0603
    settings.cache_clear()
    _config = None
    _services.clear()


def current_service(name: str, build: Callable[[], T]) -> T:
    """The function's service, rebuilt when the configuration changed (an API edit reaches warm
    functions within the configuration's re-read interval) and reused otherwise."""
    cfg = config()
    held = _services.get(name)
    if held is None or held[0] != cfg:
        held = (cfg, build())
        _services[name] = held
    service: T = held[1]
    return service


@dataclass
class LocalParts:
    """What local mode supplies where AWS has a service of its own (EventBridge Scheduler, an asynchronous
    Lambda invocation). Production code never imports local mode: local mode hands these in."""

    rescans: RescanScheduler | None = None
    sync_trigger: SyncTrigger | None = None
    rules_invoker: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # the rules handler, called in-process


local = LocalParts()


def use_local_rescans(scheduler: RescanScheduler | None) -> None:
    """Local mode's scheduler puts re-scan requests on the local scan queue when holds end."""
    local.rescans = scheduler
    _services.clear()


def use_local_rules_invoker(invoke: Callable[[dict[str, Any]], dict[str, Any]] | None) -> None:
    """Local mode calls the rules function's handler in its own process where AWS invokes the function."""
    local.rules_invoker = invoke
    _services.clear()


def use_local_sync(trigger: SyncTrigger | None) -> None:
    """Local mode runs an on-demand directory sync in a thread of its own process."""
    local.sync_trigger = trigger
    _services.clear()
