"""The SIEM export to Firehose or EventBridge in the template: the api function (the forwarder) is told the
destination and may put to exactly that stream or bus, with exactly PutRecordBatch or PutEvents; no other function
gets either; cdk-nag passes without a new acknowledgement and cfn-lint passes on the template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mailgate.environment import Env
from tests.infra.conftest import OFFLINE_ENV
from tests.infra.helpers import actions, of_type, statements

Resources = dict[str, dict[str, Any]]
BUS_ARN = "arn:aws:events:eu-west-1:111122223333:event-bus/security-siem"


def _synth(target: Any) -> Resources:
    from aws_cdk import App, Validations
    from aws_cdk.assertions import Template
    from cdk_nag import AwsSolutionsChecks
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.stack import EXAMPLE_CONFIG, FEATURE_FLAGS, MailgateStack

    app = App(context=FEATURE_FLAGS)
    stack = MailgateStack(app, "MailgateStack", MailGatewayProps(gateway_config=EXAMPLE_CONFIG, console=False,
                                                                 siem=target))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # a finding without an acknowledgement fails here
    return dict(Template.from_stack(stack).to_json())


@pytest.fixture(scope="module")
def firehose() -> dict[str, Any]:
    from mailgate_infra.siem import SiemTarget

    return _synth(SiemTarget.firehose("mailgate-siem-stream", format="cef"))


@pytest.fixture(scope="module")
def eventbridge() -> dict[str, Any]:
    from mailgate_infra.siem import SiemTarget

    return _synth(SiemTarget.eventbridge(BUS_ARN))


def _functions(template: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {k: f["Properties"].get("Environment", {}).get("Variables", {})
            for k, f in of_type(template["Resources"], "AWS::Lambda::Function").items()}


def _forwarder_role(template: dict[str, Any]) -> str:
    resources = template["Resources"]
    key = next(k for k, env in _functions(template).items() if Env.SIEM_DESTINATION in env)
    assert "Admin" in key  # the api function consumes the SIEM queue
    return str(resources[key]["Properties"]["Role"]["Fn::GetAtt"][0])


def _granting(template: dict[str, Any], action: str) -> dict[str, list[dict[str, Any]]]:
    """Role → the statements that allow `action` (or a wildcard covering it)."""
    resources = template["Resources"]
    service = action.split(":")[0]
    return {role: found for role in of_type(resources, "AWS::IAM::Role")
            if (found := [s for s in statements(resources, role)
                          if any(a in (action, f"{service}:*", "*") for a in actions(s))])}


def test_firehose_the_forwarder_knows_the_stream_and_format(firehose: dict[str, Any]) -> None:
    env = next(env for env in _functions(firehose).values() if Env.SIEM_DESTINATION in env)
    assert env[Env.SIEM_DESTINATION] == "firehose" and env[Env.SIEM_FIREHOSE_STREAM] == "mailgate-siem-stream"
    assert env[Env.SIEM_FORMAT] == "cef" and Env.SIEM_HOST not in env


def test_firehose_only_the_forwarder_may_put_and_only_to_that_stream(firehose: dict[str, Any]) -> None:
    granted = _granting(firehose, "firehose:PutRecordBatch")
    assert list(granted) == [_forwarder_role(firehose)]
    [statement] = granted[_forwarder_role(firehose)]
    assert actions(statement) == ["firehose:PutRecordBatch"]
    resource = json.dumps(statement["Resource"])
    assert ":deliverystream/mailgate-siem-stream" in resource and "*" not in resource
    assert not _granting(firehose, "events:PutEvents")


def test_eventbridge_only_the_forwarder_may_put_and_only_to_that_bus(eventbridge: dict[str, Any]) -> None:
    env = next(env for env in _functions(eventbridge).values() if Env.SIEM_DESTINATION in env)
    assert env[Env.SIEM_DESTINATION] == "eventbridge" and env[Env.SIEM_EVENT_BUS] == BUS_ARN
    granted = _granting(eventbridge, "events:PutEvents")
    assert list(granted) == [_forwarder_role(eventbridge)]
    [statement] = granted[_forwarder_role(eventbridge)]
    assert actions(statement) == ["events:PutEvents"] and statement["Resource"] == BUS_ARN
    assert not _granting(eventbridge, "firehose:PutRecordBatch")


def test_a_bus_named_in_this_account_is_granted_by_its_arn() -> None:
    from aws_cdk import Stack
    from mailgate_infra.siem import SiemTarget, destination_grant

    stack = Stack()
    grant = destination_grant(stack, SiemTarget.eventbridge("security-siem"))
    assert grant is not None
    text = json.dumps(stack.resolve(grant.to_statement_json()))
    assert "events:PutEvents" in text and ":event-bus/security-siem" in text and "*" not in text


def test_the_queue_and_its_dlq_stay_as_for_syslog(firehose: dict[str, Any]) -> None:
    queues = [k for k in of_type(firehose["Resources"], "AWS::SQS::Queue") if k.startswith("GatewaySiemQueue")]
    assert len(queues) == 2  # the SIEM queue and its DLQ: at least once, whatever the destination
    mappings = [m["Properties"] for m in of_type(firehose["Resources"], "AWS::Lambda::EventSourceMapping").values()
                if "GatewaySiemQueue" in json.dumps(m["Properties"]["EventSourceArn"])]
    assert [m["FunctionResponseTypes"] for m in mappings] == [["ReportBatchItemFailures"]]


@pytest.mark.parametrize(("target", "message"), [
    ({"destination": "firehose"}, "firehose_stream"),
    ({"destination": "eventbridge"}, "event_bus"),
    ({"destination": "kinesis", "host": "h"}, "destination one of"),
    ({"host": ""}, "a host"),
])
def test_an_incomplete_target_fails_at_synth(target: dict[str, Any], message: str) -> None:
    from mailgate_infra.siem import SiemTarget

    with pytest.raises(ValueError, match=message):
        SiemTarget(**target)


@pytest.mark.parametrize("which", ["firehose", "eventbridge"])
def test_cfn_lint_passes(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    template = tmp_path / "template.json"
    template.write_text(json.dumps(request.getfixturevalue(which)))
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", "W3005", "--",
                           str(template)], env={**OFFLINE_ENV, "PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=180, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
