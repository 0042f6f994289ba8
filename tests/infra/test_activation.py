"""Context switches: `activateRuleSet` off by default (one active rule set per region: activating
replaces another's); `clamavScanning` on by default."""

from __future__ import annotations

from typing import Any

from tests.infra.helpers import of_type


def test_rule_set_is_not_activated_by_default(resources: dict[str, dict[str, Any]]) -> None:
    assert not of_type(resources, "Custom::AWS")


def test_activation_flag_adds_the_set_active_call_and_passes_cdk_nag() -> None:
    from aws_cdk import App
    from aws_cdk.assertions import Template
    from mailgate_infra.stack import FEATURE_FLAGS, build_app

    _, stack = build_app(App(context={**FEATURE_FLAGS, "activateRuleSet": "true"}))
    (activation,) = of_type(Template.from_stack(stack).to_json()["Resources"], "Custom::AWS").values()
    assert "setActiveReceiptRuleSet" in str(activation["Properties"]["Create"])


def test_without_clamav_scanning_scan_is_a_zip_function_with_the_layer_and_passes_cdk_nag() -> None:
    from aws_cdk import App
    from aws_cdk.assertions import Template
    from mailgate_infra.stack import FEATURE_FLAGS, build_app

    _, stack = build_app(App(context={**FEATURE_FLAGS, "clamavScanning": "false"}))
    functions = of_type(Template.from_stack(stack).to_json()["Resources"], "AWS::Lambda::Function")
    scan = next(f["Properties"] for k, f in functions.items() if "ProcessingScan" in k)
    assert scan["Runtime"] == "python3.12" and len(scan["Layers"]) == 1 and scan["Timeout"] == 120
    assert "CLAMAV_SIGNATURES" not in scan["Environment"]["Variables"]
