import pytest


@pytest.fixture
def aws(monkeypatch):
    """moto's in-process AWS for the adapters' unit tests (the integration tests use moto's server)."""
    from moto import mock_aws

    from mailgate.aws import clients

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clients.reset()
    with mock_aws():
        yield
    clients.reset()
