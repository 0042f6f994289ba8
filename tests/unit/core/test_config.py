"""Configuration mistakes fail loudly with the field named."""

import json

import pytest

from mailgate.config import ConfigError, load_config, parse_config


def test_routes_are_ordered_by_priority_and_domains_normalised():
    config = parse_config(json.dumps({"domains": {"Example.TEST.": {"hosts": [
        {"host": "b", "priority": 20}, {"host": "a", "priority": 5}]}}}))
    route = config.route_for("Bob@example.test")
    assert route is not None
    assert [h.host for h in route.hosts] == ["a", "b"]
    assert not config.accepts("bob@other.test")


def test_invalid_values_name_the_field():
    with pytest.raises(ConfigError, match=r"domains\[.*\]\.hosts\[0\]\.port"):
        parse_config(json.dumps({"domains": {"example.test": {"hosts": [{"host": "a", "port": 70000}]}}}))
    with pytest.raises(ConfigError, match="not valid JSON"):
        parse_config("{nope")
    with pytest.raises(ConfigError, match="unknown_setting"):
        parse_config(json.dumps({"unknown_setting": 1}))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        load_config({"MAILGATE_CONFIG_FILE": str(tmp_path / "absent.json")})


def test_retry_backoff_doubles_and_is_capped():
    config = parse_config(json.dumps({"delivery": {"retry_base_seconds": 30}}))
    assert [config.delivery.retry_delay(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert config.delivery.retry_delay(40) == 43200
