"""One local gateway per session, wired to the real DNS zone and to scripted downstream servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailgate.local.gateway import LocalGateway, LocalOptions
from mailgate.local.ports import free_port
from tests.support.dns_fixtures import DnsTestZone
from tests.support.settings_api import personal_lists_emptied, settings_restored
from tests.support.smtp_servers import RecordingServer

MAX_ATTEMPTS = 3


@pytest.fixture(scope="session")
def refusing_server() -> Iterator[RecordingServer]:
    """A destination that answers 550 for one mailbox and accepts the rest."""
    with RecordingServer() as server:
        yield server


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, dns_zone: DnsTestZone,
            refusing_server: RecordingServer) -> Iterator[LocalGateway]:
    dead_port = free_port()  # nothing listens here: a destination that is down
    signing_key = dns_zone.key("sender.test", "s1")
    sealing_key = dns_zone.key("example.test", "sel1")  # the organisation's domain seals what we deliver
    options = LocalOptions(
        smtp_port=free_port(), downstream_port=free_port(), api_port=free_port(), moto_port=free_port(),
        console_port=free_port(), submission_port=free_port(), internet_port=free_port(),
        state_dir=tmp_path_factory.mktemp("gateway"), domains=("example.test",), dns=dns_zone.address,
        queue_visibility_seconds=2, clamd=True,  # a real clamd with the project's test signatures
        secrets={"mailgate/dkim/sender.test": signing_key.private_pem.decode(),
                 "mailgate/arc/example.test": sealing_key.private_pem.decode(),
                 "mailgate/dkim/example.test": sealing_key.private_pem.decode()},  # outbound (test_outbound.py)
        overrides={
            "domains": {
                "unreachable.test": {"hosts": [{"host": "127.0.0.1", "port": dead_port}]},
                "refusing.test": {"hosts": [{"host": "127.0.0.1", "port": refusing_server.port}]},
            },
            "delivery": {"retry_base_seconds": 1, "max_attempts": MAX_ATTEMPTS},
            "dkim_signing": [{"domain": "sender.test", "selector": "s1",
                              "secret_name": "mailgate/dkim/sender.test"}],
            "arc_sealing": {"domain": "example.test", "selector": "sel1", "secret_name": "mailgate/arc/example.test"},
        },
    )
    gw = LocalGateway(options).start()
    try:
        yield gw
    finally:
        gw.stop()


@pytest.fixture
def bobs_lists(gateway: LocalGateway) -> Iterator[None]:
    """bob@example.test (the local personal user): his lists are emptied afterwards."""
    yield from personal_lists_emptied(gateway)


@pytest.fixture
def restore_settings(gateway: LocalGateway) -> Iterator[None]:
    """Settings changed by the test are put back afterwards."""
    yield from settings_restored(gateway)
