"""Recipient verification as a process asks it (local mode's SMTP ingress): the current setting and the directory
cache's recipients, one cache per process. A settings change (a new configuration object, e.g. after
`process.reset()`) makes the next question check the directory again; otherwise it is checked every 15 s."""

from __future__ import annotations

import threading

from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.config import GatewayConfig
from mailgate.directory.recipient_cache import RecipientCache
from mailgate.directory.recipients import RecipientPolicy
from mailgate.wiring.process import config, settings

_lock = threading.Lock()
_held: dict[str, tuple[RecipientCache, GatewayConfig | None]] = {}


def _cache(cfg: GatewayConfig) -> RecipientCache:
    table = settings().directory_table
    with _lock:
        cache, seen = _held.get(table) or (RecipientCache(DynamoDirectoryStore(table) if table else None), None)
        if seen is not cfg:
            cache.expire()
        _held[table] = (cache, cfg)
        return cache


def policy() -> RecipientPolicy:
    cfg = config()
    verification = cfg.recipient_verification
    if not verification.enabled:
        return RecipientPolicy()
    return RecipientPolicy.build(True, _cache(cfg).recipients(), verification.also_accept)


def accepts(address: str) -> bool:
    """May the gateway take mail for `address` at RCPT? Its domain is an accepted one (checked before)."""
    return policy().accepts(address)


def reset() -> None:
    """Forget the cached recipients (tests that synchronise and want the result at once)."""
    with _lock:
        _held.clear()
