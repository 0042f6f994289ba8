"""Session-wide fixtures: the real servers the tests talk to live in tests/support/."""

pytest_plugins: list[str] = ["tests.support.dns_fixtures", "tests.support.directory_fixtures",
                             "tests.support.clamd", "tests.support.browser"]
