"""The `ldap_sync` function's composition root: directory connections, their passwords, DNS for SRV
discovery, the event log for failures and recoveries, and the Mail Manager address list kept equal to the
directory's recipients."""

from __future__ import annotations

import os

from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.aws.mail_manager import MailManagerAddressList
from mailgate.aws.secrets import SecretStore
from mailgate.directory.address_list import AddressListReport, synchronise_address_list
from mailgate.directory.recipients import address_list_members, directory_recipients
from mailgate.directory.runner import SyncEnvironment
from mailgate.directory.status import SyncRun
from mailgate.directory.store import DirectoryStore
from mailgate.dns import Resolver
from mailgate.environment import Env
from mailgate.secret_names import LDAP
from mailgate.wiring.process import config, settings
from mailgate.wiring.stores import event_log

__all__ = ["address_list", "environment", "event_log"]


def environment() -> SyncEnvironment:
    """Built per invocation: a password changed through the API is read afresh by a warm function."""
    return SyncEnvironment(DynamoDirectoryStore(settings().directory_table), SecretStore(allowed=(LDAP,)).get,
                           Resolver.from_settings(config().dns))


def address_list(store: DirectoryStore, runs: list[SyncRun]) -> AddressListReport | None:
    """After the runs: the Mail Manager address list (MAIL_MANAGER_ADDRESS_LIST) made equal to the recipients of
    the directory cache, when a run succeeded; members are removed only when none failed or needs a look (a sync
    that found no users). None: no list, or nothing was synchronised."""
    list_id = os.environ.get(Env.MAIL_MANAGER_ADDRESS_LIST, "")
    if not list_id or not any(run.state == "succeeded" for run in runs):
        return None
    snapshots = [s for s in (store.current(c)[1] for c in sorted(store.generations())) if s is not None]
    cfg = config()
    wanted = address_list_members(directory_recipients(snapshots), cfg.recipient_verification.also_accept,
                                  cfg.domains)
    may_remove = all(run.state == "skipped" or (run.state == "succeeded" and not run.warnings) for run in runs)
    return synchronise_address_list(MailManagerAddressList(list_id), wanted, may_remove)
