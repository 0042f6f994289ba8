"""The SIEM export in the template: only with the `siem` prop; then an encrypted queue with a DLQ after two hours of
redeliveries, the api function as its consumer reporting partial batch failures, the collector's settings, the
CA secret readable by the api function only, and every function that writes events allowed to send."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailgate.environment import Env
from tests.infra.helpers import of_type

Resources = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def with_siem() -> Resources:
    from aws_cdk import App, Validations
    from aws_cdk.assertions import Template
    from cdk_nag import AwsSolutionsChecks
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.siem import SiemTarget
    from mailgate_infra.stack import EXAMPLE_CONFIG, FEATURE_FLAGS, MailgateStack

    app = App(context=FEATURE_FLAGS)
    stack = MailgateStack(app, "MailgateStack", MailGatewayProps(
        gateway_config=EXAMPLE_CONFIG, console=False,
        siem=SiemTarget("siem.example.org", 6514, "tls", "cef", "mailgate/siem-ca")))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # a finding without an acknowledgement fails here
    return dict(Template.from_stack(stack).to_json()["Resources"])


def _siem_queue(resources: Resources) -> tuple[str, dict[str, Any]]:
    return next((k, q) for k, q in of_type(resources, "AWS::SQS::Queue").items()
                if k.startswith("GatewaySiemQueue") and not k.startswith("GatewaySiemQueueDlq"))


def test_no_siem_prop_no_siem_queue(resources: Resources) -> None:
    assert not [k for k in of_type(resources, "AWS::SQS::Queue") if "Siem" in k]


def test_the_queue_keeps_events_two_hours_before_the_dlq(with_siem: Resources) -> None:
    _, queue = _siem_queue(with_siem)
    props = queue["Properties"]
    assert props["KmsMasterKeyId"]
    assert props["VisibilityTimeout"] * props["RedrivePolicy"]["maxReceiveCount"] >= 3600


def test_the_api_function_consumes_it_with_partial_batch_failures(with_siem: Resources) -> None:
    key, _ = _siem_queue(with_siem)
    mappings = [m["Properties"] for m in of_type(with_siem, "AWS::Lambda::EventSourceMapping").values()
                if json.dumps(m["Properties"]["EventSourceArn"]).count(key)]
    assert len(mappings) == 1 and mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "Admin" in json.dumps(mappings[0]["FunctionName"])


def test_the_writers_know_the_queue_and_the_api_the_collector(with_siem: Resources) -> None:
    key, _ = _siem_queue(with_siem)
    functions = {k: f["Properties"].get("Environment", {}).get("Variables", {})
                 for k, f in of_type(with_siem, "AWS::Lambda::Function").items()}
    knowing = [k for k, env in functions.items() if key in json.dumps(env.get(Env.SIEM_QUEUE_URL, ""))]
    assert {any(part in k for k in knowing) for part in ("Scan", "Rules", "LdapSync", "Admin")} == {True}
    api = next(env for k, env in functions.items() if "Admin" in k and Env.SIEM_HOST in env)
    assert api[Env.SIEM_HOST] == "siem.example.org" and api[Env.SIEM_PROTOCOL] == "tls"
    assert api[Env.SIEM_CA_SECRET] == "mailgate/siem-ca"


def test_a_record_in_the_siem_dlq_raises_an_alarm(with_siem: Resources) -> None:
    dlq = next(k for k in of_type(with_siem, "AWS::SQS::Queue") if k.startswith("GatewaySiemQueueDlq"))
    alarms = [a["Properties"] for a in of_type(with_siem, "AWS::CloudWatch::Alarm").values()]
    assert any(dlq in json.dumps(a.get("Dimensions", [])) for a in alarms)
