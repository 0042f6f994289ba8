"""A function started without what it needs stops at its cold start with a sentence that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailgate.environment import REQUIRED, Env, MissingEnvironment, Settings, require

ROOT = Path(__file__).resolve().parents[3]


def test_each_function_names_what_it_cannot_start_without() -> None:
    with pytest.raises(MissingEnvironment, match="scan function was started without MAIL_BUCKET, RULES_QUEUE_URL"):
        require("scan", {})
    require("scan", {Env.MAIL_BUCKET: "bucket", Env.RULES_QUEUE_URL: "https://sqs/queue"})
    assert set(REQUIRED) == {p.name for p in (ROOT / "functions").iterdir() if (p / "handler.py").is_file()}


def test_settings_read_the_names_of_the_table() -> None:
    settings = Settings.from_env({Env.MAIL_BUCKET: "b", Env.EVENTS_TABLE: "e", Env.DIRECTORY_TABLE: "d"})
    assert (settings.mail_bucket, settings.events_table, settings.directory_table) == ("b", "e", "d")
    assert settings.backup_table == "mailgate-backup"  # the defaults stay


@pytest.mark.parametrize("function", ["scan", "rules", "api", "ldap_sync"])
def test_a_handler_without_its_environment_fails_at_import(function: str) -> None:
    code = ("import importlib.util; s = importlib.util.spec_from_file_location('h', "
            f"r'{ROOT / 'functions' / function / 'handler.py'}'); m = importlib.util.module_from_spec(s); "
            "s.loader.exec_module(m)")
    env = {k: v for k, v in os.environ.items() if k not in {e.value for e in Env}}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert child.returncode != 0
    assert "MissingEnvironment" in child.stderr
    assert f"the {function} function was started without" in child.stderr
