"""Synthesise the CDK app once per session: the template every infra test reads (~3-7 s)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_ENV = {"CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "true",
               "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
os.environ.update(OFFLINE_ENV)  # before jsii starts: silences the Node 20 banner
sys.path[:0] = [str(ROOT / "infra"), str(ROOT / "layers" / "mailgate")]


@pytest.fixture(scope="session")
def synth() -> Any:
    from aws_cdk.assertions import Template
    from mailgate_infra.stack import build_app

    _, stack = build_app()
    return stack, Template.from_stack(stack)


@pytest.fixture(scope="session")
def template(synth: Any) -> Any:
    return synth[1]


@pytest.fixture(scope="session")
def resources(template: Any) -> dict[str, dict[str, Any]]:
    return dict(template.to_json()["Resources"])
