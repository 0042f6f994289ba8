"""Real SMTP servers for the delivery tests: started once per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.smtp_servers import RecordingServer, TestPki, make_test_pki

RELAY_USER, RELAY_PASSWORD = "relay@corp.test", "s3cret-pässword"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def _plain_server() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


@pytest.fixture(scope="session")
def _tls_server(pki: TestPki) -> Iterator[RecordingServer]:
    with RecordingServer(starttls=pki.server_context()) as server:
        yield server


@pytest.fixture(scope="session")
def _auth_server(pki: TestPki) -> Iterator[RecordingServer]:
    with RecordingServer(starttls=pki.server_context(), users={RELAY_USER: RELAY_PASSWORD}) as server:
        yield server


@pytest.fixture
def plain_server(_plain_server: RecordingServer) -> RecordingServer:
    """A mail server that offers no STARTTLS."""
    _plain_server.reset()
    return _plain_server


@pytest.fixture
def tls_server(_tls_server: RecordingServer) -> RecordingServer:
    """A mail server that offers STARTTLS with a certificate from the test CA."""
    _tls_server.reset()
    return _tls_server


@pytest.fixture
def auth_server(_auth_server: RecordingServer) -> RecordingServer:
    """A submission-style server: STARTTLS, then AUTH required."""
    _auth_server.reset()
    return _auth_server
