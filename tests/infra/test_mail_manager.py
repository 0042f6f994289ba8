"""The mail_manager ingress mode in the template (a second synthesis, cdk-nag on): the address list, the inbound traffic
policy that refuses recipients outside it, the rule sets' S3 prefixes, the S3 notifications to the scan queue, the
generated SMTP password, the IAM scoping; and the default receipt-rule mode has none of it (the session template)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import OFFLINE_ENV
from tests.infra.helpers import actions, of_type, role_id, statements

Resources = dict[str, dict[str, Any]]
ADDRESS_LIST_ACTIONS = {"ses:RegisterMemberToAddressList", "ses:DeregisterMemberFromAddressList",
                        "ses:ListMembersOfAddressList", "ses:CreateAddressListImportJob",
                        "ses:StartAddressListImportJob", "ses:GetAddressListImportJob"}


VERIFICATION = {"enabled": True, "also_accept": ["*@shared.example.test", "abuse@*", "sales@example.test"]}


@pytest.fixture(scope="module")
def mm_template() -> dict[str, Any]:
    from aws_cdk import App, Validations
    from aws_cdk.assertions import Template
    from cdk_nag import AwsSolutionsChecks
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.stack import EXAMPLE_CONFIG, FEATURE_FLAGS, MailgateStack

    app = App(context=FEATURE_FLAGS)
    config = {**EXAMPLE_CONFIG, "recipient_verification": VERIFICATION}
    stack = MailgateStack(app, "MailgateStack", MailGatewayProps(gateway_config=config, console=False,
                                                                 ingress_mode="mail_manager"))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # a finding without an acknowledgement fails here
    return dict(Template.from_stack(stack).to_json())


@pytest.fixture(scope="module")
def mm(mm_template: dict[str, Any]) -> Resources:
    return dict(mm_template["Resources"])


def _one(resources: Resources, kind: str) -> tuple[str, dict[str, Any]]:
    (found,) = of_type(resources, kind).items()
    return found


def _ingress(resources: Resources, kind: str) -> dict[str, Any]:
    return next(r["Properties"] for r in of_type(resources, "AWS::SES::MailManagerIngressPoint").values()
                if r["Properties"]["Type"] == kind)


def _get_att(ref: dict[str, Any]) -> str:
    return str(ref["Fn::GetAtt"][0])


def _env(resources: Resources, part: str) -> dict[str, Any]:
    function = next(f for k, f in of_type(resources, "AWS::Lambda::Function").items() if part in k)
    return dict(function["Properties"]["Environment"]["Variables"])


def test_an_address_list_two_traffic_policies_two_rule_sets_and_an_open_and_an_authenticated_ingress_point(
        mm: Resources) -> None:
    counts = {kind: len(of_type(mm, f"AWS::SES::MailManager{kind}"))
              for kind in ("AddressList", "TrafficPolicy", "RuleSet", "IngressPoint")}
    assert counts == {"AddressList": 1, "TrafficPolicy": 2, "RuleSet": 2, "IngressPoint": 2}
    for kind in ("OPEN", "AUTH"):
        assert _ingress(mm, kind)["TlsPolicy"] == "REQUIRED"


def test_the_open_ingress_point_refuses_recipients_not_in_the_address_list(mm: Resources) -> None:
    address_list, _ = _one(mm, "AWS::SES::MailManagerAddressList")
    policy = mm[_get_att(_ingress(mm, "OPEN")["TrafficPolicyId"])]["Properties"]
    assert policy["DefaultAction"] == "DENY"  # a recipient no statement allows is refused
    listed, catch_all, roles = [s["Conditions"] for s in policy["PolicyStatements"] if s["Action"] == "ALLOW"]
    assert listed == [{"BooleanExpression": {"Operator": "IS_TRUE", "Evaluate": {"IsInAddressList": {
        "Attribute": "RECIPIENT", "AddressLists": [{"Fn::GetAtt": [address_list, "AddressListArn"]}]}}}}]
    # the settings' catch-all, and role addresses of the accepted domains only (sales@ is in the list ldap_sync keeps)
    assert catch_all == [{"StringExpression": {"Evaluate": {"Attribute": "RECIPIENT"}, "Operator": "ENDS_WITH",
                                               "Values": ["@shared.example.test"]}}]
    assert roles == [{"StringExpression": {"Evaluate": {"Attribute": "RECIPIENT"}, "Operator": "STARTS_WITH",
                                           "Values": ["abuse@", "postmaster@"]}},
                     {"StringExpression": {"Evaluate": {"Attribute": "RECIPIENT"}, "Operator": "ENDS_WITH",
                                           "Values": ["@example.test"]}}]
    assert policy["MaxMessageSizeBytes"] == 40 * 1024 * 1024


def test_without_recipient_verification_the_open_ingress_takes_every_recipient_of_an_accepted_domain() -> None:
    from aws_cdk import App
    from aws_cdk.assertions import Template
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.stack import EXAMPLE_CONFIG, FEATURE_FLAGS, MailgateStack

    app = App(context=FEATURE_FLAGS)
    stack = MailgateStack(app, "MailgateStack", MailGatewayProps(gateway_config=EXAMPLE_CONFIG, console=False,
                                                                 ingress_mode="mail_manager"))
    resources = Template.from_stack(stack).to_json()["Resources"]
    policy = resources[_get_att(_ingress(resources, "OPEN")["TrafficPolicyId"])]["Properties"]
    assert policy["DefaultAction"] == "DENY"
    assert policy["PolicyStatements"] == [{"Action": "ALLOW", "Conditions": [{"StringExpression": {
        "Evaluate": {"Attribute": "RECIPIENT"}, "Operator": "ENDS_WITH", "Values": ["@example.test"]}}]}]


def test_the_authenticated_ingress_point_takes_tls_12_or_later_only(mm: Resources) -> None:
    policy = mm[_get_att(_ingress(mm, "AUTH")["TrafficPolicyId"])]["Properties"]
    assert policy["DefaultAction"] == "DENY"
    assert policy["PolicyStatements"] == [{"Action": "ALLOW", "Conditions": [{"TlsExpression": {
        "Evaluate": {"Attribute": "TLS_PROTOCOL"}, "Operator": "MINIMUM_TLS_VERSION", "Value": "TLS1_2"}}]}]


def test_the_smtp_password_is_a_generated_secret_mail_manager_alone_may_read(mm_template: dict[str, Any],
                                                                          mm: Resources) -> None:
    secret_ref = _ingress(mm, "AUTH")["IngressPointConfiguration"]
    assert set(secret_ref) == {"SecretArn"}  # never SmtpPassword: no password in the template
    secret = mm[secret_ref["SecretArn"]["Ref"]]["Properties"]
    assert "SecretString" not in secret and secret["GenerateSecretString"]["GenerateStringKey"] == "password"
    assert "GatewayStorageKey" in json.dumps(secret["KmsKeyId"])
    (policy,) = [p["Properties"]["ResourcePolicy"]["Statement"]
                 for p in of_type(mm, "AWS::SecretsManager::ResourcePolicy").values()
                 if p["Properties"]["SecretId"] == secret_ref["SecretArn"]]
    (statement,) = policy
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":mailmanager-ingress-point/*" in json.dumps(statement["Condition"]["ArnLike"])
    outputs = {k: o["Value"] for k, o in mm_template["Outputs"].items()}
    assert any(v == secret_ref["SecretArn"] for k, v in outputs.items() if "OutboundSmtpSecretArn" in k)
    assert sum("ARecord" in k for k in outputs) == 2


@pytest.mark.parametrize(("kind", "prefix"), [("OPEN", "incoming/"), ("AUTH", "outgoing/")])
def test_each_rule_set_writes_under_its_prefix_with_the_gateways_key_and_its_own_role(
        mm: Resources, kind: str, prefix: str) -> None:
    rule_set = mm[_get_att(_ingress(mm, kind)["RuleSetId"])]["Properties"]
    (rule,) = rule_set["Rules"]
    assert "Conditions" not in rule  # every accepted message is stored
    (action,) = rule["Actions"]
    write = action["WriteToS3"]
    assert write["S3Prefix"] == prefix and write["ActionFailurePolicy"] == "DROP"
    assert write["S3Bucket"] == {"Ref": "GatewayStorageMail74E29B64"}
    assert "GatewayStorageKey" in json.dumps(write["S3SseKmsKeyId"])
    role = _get_att(write["RoleArn"])
    trust = mm[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "ses.amazonaws.com"}]
    assert trust[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":mailmanager-rule-set/*" in json.dumps(trust[0]["Condition"]["ArnLike"])
    granted = statements(mm, role)
    assert {a for s in granted for a in actions(s)} == {"s3:PutObject", "kms:Encrypt", "kms:GenerateDataKey"}
    put = next(s for s in granted if "s3:PutObject" in actions(s))
    assert json.dumps(put["Resource"]).endswith(f'"/{prefix}*"]]}}')


def test_stored_mail_under_both_prefixes_notifies_the_scan_queue(mm: Resources) -> None:
    _, notifications = _one(mm, "Custom::S3BucketNotifications")
    configurations = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert sorted(c["Filter"]["Key"]["FilterRules"][0]["Value"] for c in configurations) == ["incoming/", "outgoing/"]
    for configuration in configurations:
        assert configuration["Events"] == ["s3:ObjectCreated:*"]
        assert "IngressScanQueue" in _get_att(configuration["QueueArn"])
    policy = next(k for k in of_type(mm, "AWS::SQS::QueuePolicy") if "IngressScanQueuePolicy" in k)
    assert policy in notifications["DependsOn"]  # S3 checks the destination when it is configured
    allow = next(s for s in mm[policy]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": ["GatewayStorageMail74E29B64", "Arn"]}}


def test_outgoing_originals_expire_as_incoming_ones(mm: Resources) -> None:
    rules = mm["GatewayStorageMail74E29B64"]["Properties"]["LifecycleConfiguration"]["Rules"]
    by_prefix = {r.get("Prefix"): r for r in rules}
    assert by_prefix["outgoing/"]["ExpirationInDays"] == by_prefix["incoming/"]["ExpirationInDays"]


def test_ldap_sync_keeps_the_address_list_and_nothing_else_may(mm: Resources) -> None:
    address_list, _ = _one(mm, "AWS::SES::MailManagerAddressList")
    assert _env(mm, "LdapSync")["MAIL_MANAGER_ADDRESS_LIST"] == {"Fn::GetAtt": [address_list, "AddressListId"]}
    (granted,) = [s for s in statements(mm, role_id(mm, "LdapSync")) if "AddressList" in json.dumps(s["Action"])]
    assert set(actions(granted)) == ADDRESS_LIST_ACTIONS
    assert granted["Resource"] == {"Fn::GetAtt": [address_list, "AddressListArn"]}
    for role in of_type(mm, "AWS::IAM::Role"):
        if "LdapSync" not in role:
            assert not any("AddressList" in a for s in statements(mm, role) for a in actions(s)), role


def test_rules_sends_outbound_mail_from_the_accepted_domains_only_and_scan_knows_the_outgoing_prefix(
        mm: Resources) -> None:
    sends = [s for role in of_type(mm, "AWS::IAM::Role") for s in statements(mm, role)
             if "ses:SendEmail" in actions(s)]
    (send,) = sends
    assert send in statements(mm, role_id(mm, "ProcessingRulesRole"))
    assert json.dumps(send["Resource"]).endswith(':identity/example.test"]]}')
    assert _env(mm, "ProcessingScan")["OUTGOING_PREFIX"] == "outgoing/"
    for part in ("ProcessingScanRole", "ProcessingRulesRole"):
        reads = [s for s in statements(mm, role_id(mm, part)) if actions(s) == ["s3:GetObject"]]
        assert any("/outgoing/*" in json.dumps(s["Resource"]) for s in reads), part


def test_mail_manager_mode_has_no_receipt_rule_topic_or_activation(mm_template: dict[str, Any],
                                                                    mm: Resources) -> None:
    for kind in ("AWS::SES::ReceiptRuleSet", "AWS::SES::ReceiptRule", "Custom::AWS"):
        assert not of_type(mm, kind), kind
    assert not [s for s in of_type(mm, "AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "sqs"]
    assert not any("ReceiptRuleSetName" in k for k in mm_template["Outputs"])
    mail_policy = next(p for k, p in of_type(mm, "AWS::S3::BucketPolicy").items() if "Mail" in k)
    assert "ses.amazonaws.com" not in json.dumps(mail_policy)  # Mail Manager writes through its roles


def test_receipt_rule_mode_has_none_of_it(resources: Resources) -> None:
    assert not [k for k, r in resources.items() if r["Type"].startswith("AWS::SES::MailManager")]
    assert not of_type(resources, "Custom::S3BucketNotifications")
    assert of_type(resources, "AWS::SES::ReceiptRule")
    assert not any("ses:SendEmail" in actions(s) or "AddressList" in json.dumps(s["Action"])
                   for role in of_type(resources, "AWS::IAM::Role") for s in statements(resources, role))
    for function in of_type(resources, "AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "OUTGOING_PREFIX" not in variables and "MAIL_MANAGER_ADDRESS_LIST" not in variables
    assert "outgoing/" not in json.dumps(resources)


@pytest.mark.parametrize(("props", "message"), [
    ({"ingress_mode": "smtp"}, "ingress_mode: one of receipt_rule, mail_manager"),
    ({"ingress_mode": "mail_manager", "activate_rule_set": True}, "no receipt rule set to activate"),
])
def test_a_bad_ingress_mode_fails_at_synth(props: dict[str, Any], message: str) -> None:
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.stack import EXAMPLE_CONFIG

    with pytest.raises(ValueError, match=message):
        MailGatewayProps(gateway_config=EXAMPLE_CONFIG, **props)


def test_cfn_lint_passes(mm_template: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(mm_template))
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", "W3005", "--",
                           str(path)], env={**OFFLINE_ENV, "PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=180, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
