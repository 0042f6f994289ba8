"""The rules step's world of the actions tests (moto, a real SMTP destination), for the shadow port's tests."""

from tests.unit.actions.test_actions import destination, world  # noqa: F401 - fixtures
