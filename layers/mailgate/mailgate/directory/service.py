"""Administering directory connections: create, change, delete, synchronise on demand, look up.

The bind password is write-only: it goes to Secrets Manager (`mailgate/ldap/<connection id>`) and
only the secret's name is kept. Deleting a connection deletes everything cached for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from mailgate.directory.cache import DirectoryCache
from mailgate.directory.connection import SECRET_PREFIX, Connection, parse_connection
from mailgate.directory.duplicates import Duplicate
from mailgate.directory.errors import ConnectionInvalid, DuplicateConnection, UnknownConnection
from mailgate.directory.index import Account, DirectoryIndex, Resolution
from mailgate.directory.status import SyncRun, SyncStatus, new_sync_id
from mailgate.directory.store import DirectoryStore

PASSWORD_PREFIX = SECRET_PREFIX  # mailgate/ldap/


class PasswordVault(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


SyncTrigger = Callable[[str, str], None]  # (connection id, sync id): start the sync asynchronously


class DirectoryAdmin:
    def __init__(self, store: DirectoryStore, vault: PasswordVault, trigger: SyncTrigger,
                 cache: DirectoryCache | None = None) -> None:
        self.store = store
        self.vault = vault
        self.trigger = trigger
        self.cache = cache or DirectoryCache(store, check_seconds=5.0)

    # --- connections ------------------------------------------------------------------------

    def connections(self) -> list[Connection]:
        return sorted(self.store.list_connections(), key=lambda c: (c.name.lower(), c.connection_id))

    def connection(self, connection_id: str) -> Connection:
        found = self.store.get_connection(connection_id)
        if found is None:
            raise UnknownConnection(connection_id)
        return found

    def _save(self, connection_id: str, data: dict[str, Any], password: str | None,
              current: Connection | None = None) -> Connection:
        fields = {**data, "connection_id": connection_id}
        if password:
            fields["password_secret"] = PASSWORD_PREFIX + connection_id
        elif not fields.get("password_secret"):
            raise ConnectionInvalid([{"path": "password", "message": "give the bind password (or password_secret, "
                                                                     "the name of an existing secret)"}])
        connection = parse_connection(fields)
        others = [c for c in self.store.list_connections() if c.connection_id != connection_id]
        for other in others:
            if other.domain_key == connection.domain_key:
                raise DuplicateConnection(connection.domain, connection.base_dn, other.name)
        _check_password_goes_nowhere_new(connection, current, password, others)
        if password:
            self.vault.put(connection.password_secret, password)
        self.store.put_connection(connection)
        return connection

    def create(self, data: dict[str, Any], password: str | None) -> Connection:
        return self._save(uuid.uuid4().hex[:16], data, password)

    def replace(self, connection_id: str, data: dict[str, Any], password: str | None) -> Connection:
        current = self.connection(connection_id)
        if not password and not data.get("password_secret"):
            data = {**data, "password_secret": current.password_secret}  # keep the stored password
        return self._save(connection_id, data, password, current)

    def delete(self, connection_id: str) -> None:
        connection = self.connection(connection_id)
        self.store.delete_connection(connection_id)
        if connection.password_secret == PASSWORD_PREFIX + connection_id:
            self.vault.delete(connection.password_secret)

    # --- synchronisation --------------------------------------------------------------------

    def start_sync(self, connection_id: str) -> SyncRun:
        self.connection(connection_id)
        run = SyncRun(sync_id=new_sync_id(), connection_id=connection_id, trigger="api",
                      requested_at=datetime.now(UTC).isoformat())
        self.store.save_run(run)
        self.trigger(connection_id, run.sync_id)
        return run

    def run(self, connection_id: str, sync_id: str) -> SyncRun | None:
        return self.store.get_run(connection_id, sync_id)

    def status(self, connection_id: str) -> SyncStatus:
        return self.store.status(connection_id) or SyncStatus(connection_id=connection_id)

    # --- the cache ----------------------------------------------------------------------------

    def index(self) -> DirectoryIndex:
        return self.cache.index()

    def duplicates(self) -> list[Duplicate]:
        return self.cache.index().duplicates

    def search(self, prefix: str, limit: int) -> list[Account]:
        return self.cache.index().autocomplete(prefix, limit)

    def resolve(self, address: str) -> Resolution | None:
        return self.cache.index().resolve(address)

    def warnings(self) -> list[str]:
        """For the health endpoint: duplicates and stale directories, without naming anyone."""
        found: list[str] = []
        statuses = [s for s in (self.store.status(c.connection_id) for c in self.store.list_connections())
                    if s is not None]
        stale = [s for s in statuses if s.stale_since]
        if stale:
            since = min(s.stale_since or "" for s in stale)
            found.append(f"directory: {len(stale)} connection(s) failing to synchronise, cached data stale since "
                         f"{since}")
        warned = [s for s in statuses if s.state == "warning"]
        if warned:
            found.append(f"directory: {len(warned)} connection(s) synchronise but found no users in a search base "
                         "that holds entries; see each connection's status")
        duplicates = len(self.duplicates())
        if duplicates:
            found.append(f"directory: {duplicates} duplicate name(s) or address(es); see GET /directory/duplicates")
        return found


def _destination(connection: Connection) -> tuple[object, ...]:
    """Where a bind sends the password and who checks the server: what a stored password is tied to."""
    return (connection.servers, connection.domain if not connection.servers else "", connection.tls,
            connection.ca_pem, connection.tls_server_name, connection.bind_dn.lower(), connection.bind_method)


def _check_password_goes_nowhere_new(connection: Connection, current: Connection | None, password: str | None,
                                     others: list[Connection]) -> None:
    """A stored password is sent only where it was sent: an administrator who points a connection at a server
    of their own must type the password (else they would read the one someone else stored), and a connection
    may not borrow another connection's password."""
    if password:
        return
    owner = next((o for o in others if o.password_secret == connection.password_secret
                  and o.password_secret == PASSWORD_PREFIX + o.connection_id), None)
    if owner is not None:
        raise ConnectionInvalid([{"path": "password_secret", "message": f"is the stored password of the connection "
                                  f"{owner.name!r}: give this connection its own password"}])
    if current is not None and _destination(connection) != _destination(current):
        raise ConnectionInvalid([{"path": "password", "message": "give the bind password again when you change "
                                  "where it is sent (servers, domain, TLS, CA, bind account): a stored password "
                                  "goes only where it went"}])
