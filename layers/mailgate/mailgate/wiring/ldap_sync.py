"""The `ldap_sync` function's composition root: directory connections, their passwords, DNS for SRV
discovery, and the event log for failures and recoveries."""

from __future__ import annotations

from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.aws.secrets import SecretStore
from mailgate.directory.runner import SyncEnvironment
from mailgate.dns import Resolver
from mailgate.secret_names import LDAP
from mailgate.wiring.process import config, settings
from mailgate.wiring.stores import event_log

__all__ = ["environment", "event_log"]


def environment() -> SyncEnvironment:
    """Built per invocation: a password changed through the API is read afresh by a warm function."""
    return SyncEnvironment(DynamoDirectoryStore(settings().directory_table), SecretStore(allowed=(LDAP,)).get,
                           Resolver.from_settings(config().dns))
