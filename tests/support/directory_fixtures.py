"""pytest plugin: the directory servers (slapd, Samba AD) once per session, and a fresh cache table per test.

- `slapd`: OpenLDAP with the AD-like schema on free loopback ports (LDAPS and StartTLS);
- `stock_slapd`: OpenLDAP with only Debian's stock schemas (inetOrgPerson, groupOfNames, posixGroup…);
- `samba_dc`: Samba as an AD domain controller on 127.0.0.2 (root and the test namespace; else
  the tests that need it skip, saying why);
- `ldap_ou`: a Populator for an OU of its own in slapd, so tests never see each other's entries;
- `stock_ou`: the same in the stock slapd (ou=people and ou=groups below it);
- `directory_store`: a new directory table in the session gateway's moto server;
- `sync_env`: what run_sync needs, with passwords from that moto's Secrets Manager.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.samba import SambaDC, unavailable_reason
from tests.support.slapd import STOCK_SUFFIX, SUFFIX, Populator, SlapdServer, StockPopulator


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    server = SlapdServer(tmp_path_factory.mktemp("slapd")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stock_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    server = SlapdServer(tmp_path_factory.mktemp("stock-slapd"), stock=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def samba_dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaDC]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    dc = SambaDC(tmp_path_factory.mktemp("samba")).provision().start()
    try:
        yield dc
    finally:
        dc.stop()


@pytest.fixture
def ldap_ou(slapd: SlapdServer) -> Iterator[Populator]:
    with slapd.admin() as conn:
        yield Populator(conn, SUFFIX, f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture
def stock_ou(stock_slapd: SlapdServer) -> Iterator[StockPopulator]:
    with stock_slapd.admin() as conn:
        yield StockPopulator(conn, STOCK_SUFFIX, f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture
def directory_store(gateway: Any) -> Any:
    from mailgate.aws import resources
    from mailgate.aws.directory_table import DynamoDirectoryStore

    name = f"directory-{uuid.uuid4().hex[:8]}"
    resources.create_directory_table(name)
    return DynamoDirectoryStore(name)


@pytest.fixture
def secrets(gateway: Any) -> Any:
    """Secrets Manager of the session's moto: `secrets.put(name, value)`."""
    from mailgate.aws.password_vault import SecretsManagerVault

    return SecretsManagerVault()


@pytest.fixture
def sync_env(directory_store: Any, secrets: Any) -> Any:
    from mailgate.aws.secrets import SecretStore
    from mailgate.directory.runner import SyncEnvironment
    from mailgate.secret_names import LDAP

    return SyncEnvironment(directory_store, lambda name: SecretStore(allowed=(LDAP,)).get(name))
