"""The synthesised MailgateStack: every resource and permission the design asks for."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from mailgate.aws.resources import settings_table_spec, table_specs
from mailgate.config import ConfigError
from mailgate.environment import SCHEDULED_JOB_KEY
from tests.infra.helpers import actions, of_type, resources_text, role_id, statements

Resources = dict[str, dict[str, Any]]

# AWS requires Resource "*" for these actions (no resource-level permissions exist for them).
STAR_RESOURCE_ALLOWED = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}


def test_mail_bucket_is_kms_encrypted_versioned_private_and_logged(template: Any) -> None:
    template.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}, "BucketKeyEnabled": True}]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value(), "LogFilePrefix": "mail/"},
        "LifecycleConfiguration": {"Rules": Match.array_with([
            Match.object_like({"Prefix": "incoming/", "ExpirationInDays": 30}),
            Match.object_like({"Prefix": "reports/", "ExpirationInDays": 90}),
            Match.object_like({"Prefix": "backup/", "ExpirationInDays": 30})])},
    })


def test_every_bucket_denies_plain_http(resources: Resources) -> None:
    policies = of_type(resources, "AWS::S3::BucketPolicy")
    assert len(policies) == len(of_type(resources, "AWS::S3::Bucket"))
    for policy in policies.values():
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in policy["Properties"]["PolicyDocument"]["Statement"])


def test_only_this_accounts_ses_rule_set_may_write_incoming(resources: Resources) -> None:
    mail_policy = next(p for k, p in of_type(resources, "AWS::S3::BucketPolicy").items() if "Mail" in k)
    ses = [s for s in mail_policy["Properties"]["PolicyDocument"]["Statement"]
           if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    allow = next(s for s in ses if s["Effect"] == "Allow")
    assert allow["Action"] == "s3:PutObject" and "/incoming/*" in resources_text(allow)
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    deny = next(s for s in ses if s["Effect"] == "Deny")
    assert "receipt-rule-set/" in json.dumps(deny["Condition"]["ArnNotLike"]["aws:SourceArn"])


def test_receipt_rule_stores_with_sns_and_requires_tls(resources: Resources) -> None:
    (rule,) = of_type(resources, "AWS::SES::ReceiptRule").values()
    props = rule["Properties"]["Rule"]
    assert props["TlsPolicy"] == "Require" and props["ScanEnabled"] is True and props["Enabled"] is True
    assert props["Recipients"] == ["example.test"]
    (action,) = props["Actions"]  # the S3 action and nothing else
    s3_action = action["S3Action"]
    assert s3_action["ObjectKeyPrefix"] == "incoming/" and "TopicArn" in s3_action
    assert "KmsKeyArn" not in s3_action  # SES would encrypt client-side; the bucket's SSE-KMS is used


def test_sns_topics_are_encrypted_and_feed_the_scan_queue(resources: Resources) -> None:
    for topic in of_type(resources, "AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]
    sqs_subs = [s for s in of_type(resources, "AWS::SNS::Subscription").values()
                if s["Properties"]["Protocol"] == "sqs"]
    assert len(sqs_subs) == 1 and "ScanQueue" in json.dumps(sqs_subs[0]["Properties"]["Endpoint"])


def test_queues_are_encrypted_tls_only_and_dlqs_outlast_delivery_attempts(resources: Resources) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    assert len(queues) == 6  # scan + rules with their DLQs, the two schedules' DLQs
    for queue in queues.values():
        assert "KmsMasterKeyId" in queue["Properties"]
    redriven = [q["Properties"]["RedrivePolicy"] for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(redriven) == 2
    max_attempts = 5  # the example configuration's delivery.max_attempts (the default)
    assert all(r["maxReceiveCount"] > max_attempts for r in redriven)
    for policy in of_type(resources, "AWS::SQS::QueuePolicy").values():
        assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition"))
                   for s in policy["Properties"]["PolicyDocument"]["Statement"])


def test_scan_and_rules_consume_sqs_with_partial_batch_failures(resources: Resources) -> None:
    mappings = of_type(resources, "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 2
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    targets = {json.dumps(m["Properties"]["FunctionName"]) for m in mappings.values()}
    assert any("ProcessingScan" in t for t in targets) and any("ProcessingRules" in t for t in targets)


def test_python_functions_run_312_with_layer_tracing_and_powertools(resources: Resources) -> None:
    functions = {k: f["Properties"] for k, f in of_type(resources, "AWS::Lambda::Function").items()}
    python = {k: p for k, p in functions.items()  # CDK's BucketDeployment provider: the console's files
              if "ClamAV" not in k and not k.startswith("CustomCDKBucketDeployment")}
    assert len(python) == 4
    for key, props in python.items():
        if "ProcessingScan" in key:  # the container image with clamd: the same handler and package inside
            assert props["PackageType"] == "Image"
        else:
            assert props["Runtime"] == "python3.12" and props["Handler"] == "handler.handler"
            assert len(props["Layers"]) == 1
        assert props["TracingConfig"] == {"Mode": "Active"}
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "mailgate"
        assert env["POWERTOOLS_SERVICE_NAME"].startswith("mailgate-") and "POWERTOOLS_LOG_LEVEL" in env
        for name in ("MAIL_BUCKET", "EVENTS_TABLE", "BACKUP_TABLE", "IDEMPOTENCY_TABLE", "SETTINGS_TABLE"):
            assert name in env
        assert json.loads(env["MAILGATE_CONFIG"])["domains"]
    rules = next(p for k, p in python.items() if "ProcessingRules" in k)
    assert rules["ReservedConcurrentExecutions"] == 10
    assert "RULES_QUEUE_URL" in next(p for k, p in python.items() if "ProcessingScan" in k)["Environment"]["Variables"]
    for group in of_type(resources, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] > 0


def test_clamav_refresh_is_a_container_image(resources: Resources) -> None:
    refresh = next(f for k, f in of_type(resources, "AWS::Lambda::Function").items() if "ClamAV" in k)
    assert refresh["Properties"]["PackageType"] == "Image"


def test_scan_runs_clamd_from_its_image_with_room_for_the_signatures(resources: Resources) -> None:
    scan = next(f["Properties"] for k, f in of_type(resources, "AWS::Lambda::Function").items()
                if "ProcessingScan" in k)
    assert scan["MemorySize"] >= 3008 and scan["EphemeralStorage"] == {"Size": 2048}
    assert scan["Timeout"] == 300
    location = scan["Environment"]["Variables"]["CLAMAV_SIGNATURES"]
    assert "ClamAVSignatures" in json.dumps(location) and json.dumps(location).endswith('/clamav/"]]}')
    granted = _granted(resources, "ProcessingScanRole")
    assert [r for a, r in granted if a == "s3:GetObject" and "Signatures" in r] \
        and all("/clamav/*" in r for a, r in granted if a == "s3:GetObject" and "Signatures" in r)
    assert any(a == "s3:ListBucket" for a, _ in granted)
    scan_queue = next(q["Properties"] for k, q in of_type(resources, "AWS::SQS::Queue").items()
                      if "ScanQueue" in k and "Dlq" not in k)
    assert scan_queue["VisibilityTimeout"] >= 6 * 300


def test_a_crashed_rules_invocation_is_retried_after_its_delivery_record_expired(resources: Resources) -> None:
    """The idempotency record of a delivery in progress lasts the invocation's remaining time at most: the
    rules queue must hand the message to another instance only after that, or the retry finds it in progress."""
    rules = next(f["Properties"] for k, f in of_type(resources, "AWS::Lambda::Function").items()
                 if "ProcessingRules" in k)
    rules_queue = next(q["Properties"] for k, q in of_type(resources, "AWS::SQS::Queue").items()
                       if "RulesQueue" in k and "Dlq" not in k)
    assert rules_queue["VisibilityTimeout"] >= 6 * rules["Timeout"]  # AWS's advice for SQS event sources
    mapping = next(m["Properties"] for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
                   if "ProcessingRules" in json.dumps(m["Properties"]["FunctionName"]))
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def _table(resources: Resources, part: str) -> dict[str, Any]:
    return next(t["Properties"] for k, t in of_type(resources, "AWS::DynamoDB::Table").items() if part in k)


@pytest.mark.parametrize(("part", "spec", "ttl"), [
    ("EventLog", table_specs("e", "b", "i")[0], "expires_at"),
    ("Backup", table_specs("e", "b", "i")[1], "expires_at"),
    ("Idempotency", table_specs("e", "b", "i")[2], "expiration"),
    ("Settings", settings_table_spec("s"), None),
])
def test_tables_match_what_the_adapters_query(resources: Resources, part: str, spec: dict[str, Any],
                                              ttl: str | None) -> None:
    table = _table(resources, part)
    assert table["KeySchema"] == spec["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(spec["AttributeDefinitions"], key=str)
    assert [(i["IndexName"], i["KeySchema"]) for i in table.get("GlobalSecondaryIndexes", [])] == \
        [(i["IndexName"], i["KeySchema"]) for i in spec.get("GlobalSecondaryIndexes", [])]
    # what each index copies is what the adapters read from it (the events' by_day: the filtered attributes)
    assert [i["Projection"] for i in table.get("GlobalSecondaryIndexes", [])] == \
        [i["Projection"] for i in spec.get("GlobalSecondaryIndexes", [])]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    if ttl:
        assert table["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}


@pytest.mark.parametrize("part", ["ProcessingScanRole", "ProcessingRulesRole", "DirectoryLdapSyncRole",
                                  "AdminApiRole", "ClamAVRefreshRole"])
def test_roles_have_no_star_actions_and_star_resources_only_where_aws_requires(
        resources: Resources, part: str) -> None:
    for statement in statements(resources, role_id(resources, part)):
        assert "*" not in actions(statement) and not any(a.endswith(":*") for a in actions(statement))
        if statement.get("Resource") == "*":
            assert set(actions(statement)) <= STAR_RESOURCE_ALLOWED, statement


def _granted(resources: Resources, part: str) -> list[tuple[str, str]]:
    return [(a, resources_text(s)) for s in statements(resources, role_id(resources, part))
            for a in actions(s)]


def test_scan_reads_incoming_writes_reports_backup_and_never_sends(resources: Resources) -> None:
    granted = _granted(resources, "ProcessingScanRole")
    reads = [r for a, r in granted if a == "s3:GetObject"]
    assert reads and all(any(p in r for p in ("/incoming/*", "/lists/*", "/models/antispam/*", "/clamav/*"))
                         for r in reads)
    assert any("/incoming/*" in r for r in reads)
    puts = [r for a, r in granted if a == "s3:PutObject"]
    assert any("/reports/*" in r for r in puts) and any("/backup/*" in r for r in puts)
    assert not any("/incoming/*" in r for r in puts)
    names = {a for a, _ in granted}
    assert "ses:SendRawEmail" not in names and "secretsmanager:GetSecretValue" not in names
    assert "sqs:SendMessage" in names


def test_rules_sends_mail_and_reads_only_its_own_secrets(resources: Resources) -> None:
    granted = _granted(resources, "ProcessingRulesRole")
    assert any(a == "ses:SendRawEmail" for a, _ in granted)
    secrets = [r for a, r in granted if a == "secretsmanager:GetSecretValue"]
    assert secrets and not any("secret:mailgate/*" in r for r in secrets)  # tests/infra/test_secret_grants.py
    assert not any(a == "s3:PutObject" and "/incoming/" in r for a, r in granted)
    # the message's events (its metrics) and a stored scan report (a release) are read back from the events table
    events = {a for a, r in granted if "EventLog" in r}
    assert {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchWriteItem"} <= events


def test_api_writes_only_the_learned_antispam_model_and_deletes_only_it_and_backup_copies(
        resources: Resources) -> None:
    granted = _granted(resources, "AdminApiRole")
    writes = [r for a, r in granted if a == "s3:PutObject"]
    # the learned model, the summary reports the api function makes (issue 17), the exposure search's URL list
    assert writes and all(r.count("/*") == 1 and any(p in r for p in ("/models/antispam/*", "/summary-reports/*",
                                                                      "/lists/*")) for r in writes)
    deletes = [r for a, r in granted if a == "s3:DeleteObject"]
    assert deletes and all(r.count("/*") == 1 and ("/models/antispam/*" in r or "/backup/*" in r) for r in deletes)
    # incoming/ only read (a replay runs Content Filtering over the originals again), never written or deleted
    assert [a for a, r in granted if "/incoming/" in r] == ["s3:GetObject"]


def test_scan_and_api_share_the_learned_antispam_model(resources: Resources) -> None:
    for role in ("ProcessingScanRole", "AdminApiRole"):
        reads = [r for a, r in _granted(resources, role) if a == "s3:GetObject"]
        assert any("/models/antispam/*" in r for r in reads), role
    api_events = [a for a, r in _granted(resources, "AdminApiRole") if "EventLog" in r]
    assert "dynamodb:PutItem" in api_events or "dynamodb:BatchWriteItem" in api_events  # feedback events


def test_ldap_sync_runs_every_30_minutes_with_retries_and_a_dlq(resources: Resources) -> None:
    schedules = of_type(resources, "AWS::Scheduler::Schedule")
    ldap = next(s["Properties"] for s in schedules.values() if "LdapSync" in json.dumps(s))
    assert ldap["ScheduleExpression"] == "rate(30 minutes)"
    assert ldap["Target"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert "DeadLetterConfig" in ldap["Target"]


def test_backup_retention_runs_hourly_in_the_api_function_which_may_list_and_delete_only_backup_copies(
        resources: Resources) -> None:
    schedules = of_type(resources, "AWS::Scheduler::Schedule")
    retention = next(s["Properties"] for s in schedules.values() if "BackupRetention" in json.dumps(s)
                     or "backup_retention" in json.dumps(s))
    assert retention["ScheduleExpression"] == "rate(1 hour)"
    assert json.loads(retention["Target"]["Input"]) == {SCHEDULED_JOB_KEY: "backup_retention"}
    assert "AdminApi" in json.dumps(retention["Target"]["Arn"]) and "DeadLetterConfig" in retention["Target"]
    granted = _granted(resources, "AdminApiRole")
    assert [r for a, r in granted if a == "s3:DeleteObject" and "/backup/" in r]
    assert not [r for a, r in granted if a == "s3:DeleteObject" and "/incoming/" in r]
    listing = [s for s in statements(resources, role_id(resources, "AdminApiRole")) if s["Action"] == "s3:ListBucket"]
    assert listing and listing[0]["Condition"] == {"StringLike": {"s3:prefix": ["backup/*"]}}


def test_cognito_pool_groups_and_mfa(resources: Resources) -> None:
    groups = {g["Properties"]["GroupName"] for g in of_type(resources, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"Administrator", "SecurityOfficer", "Auditor", "PersonalUser"}
    (pool,) = of_type(resources, "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["MfaConfiguration"] == "ON"
    assert pool["Properties"]["Policies"]["PasswordPolicy"]["MinimumLength"] >= 14


def test_every_api_method_needs_a_cognito_token_and_is_validated(resources: Resources) -> None:
    methods = of_type(resources, "AWS::ApiGateway::Method")
    assert methods
    links = {k for k, r in of_type(resources, "AWS::ApiGateway::Resource").items()
             if r["Properties"]["PathPart"] == "{token}"}  # the digest's links: public (test_digest_schedule.py)
    for method in methods.values():
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS":  # CORS preflights, answered by API Gateway itself (test_console.py)
            assert props["Integration"]["Type"] == "MOCK"
            continue
        assert (props["AuthorizationType"] == "COGNITO_USER_POOLS" and "AuthorizerId" in props) \
            or props["ResourceId"].get("Ref") in links
        assert "RequestValidatorId" in props
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["TracingEnabled"] is True and "AccessLogSetting" in stage["Properties"]
    assert stage["Properties"]["MethodSettings"][0]["ThrottlingRateLimit"] > 0


def test_every_dlq_has_an_alarm_to_the_alarm_topic(resources: Resources) -> None:
    dlqs = {k for k, q in of_type(resources, "AWS::SQS::Queue").items() if "Dlq" in k}
    alarms = of_type(resources, "AWS::CloudWatch::Alarm").values()
    watched = {d["Value"]["Fn::GetAtt"][0] for a in alarms for d in a["Properties"].get("Dimensions", [])
               if d["Name"] == "QueueName"}
    assert watched == dlqs
    metrics = {a["Properties"].get("MetricName") for a in alarms}
    assert {"DeliveryFailed", "SignatureAgeHours", "EngineUnavailable", "Errors", "Throttles"} <= metrics
    [engine] = [a["Properties"] for a in alarms if a["Properties"].get("MetricName") == "EngineUnavailable"]
    assert engine["Dimensions"] == [{"Name": "service", "Value": "mailgate-scan"}]  # what the scan handler emits
    assert all(a["Properties"]["AlarmActions"] for a in alarms)
    assert len(of_type(resources, "AWS::CloudWatch::Dashboard")) == 1


def test_bad_gateway_config_fails_synth_naming_the_field() -> None:
    from mailgate_infra.props import MailGatewayProps

    bad = MailGatewayProps(gateway_config={"domains": {"example.test": {"hosts": [{"host": "a", "port": 70000}]}}})
    with pytest.raises(ConfigError, match=r"port"):
        bad.parsed()


def test_scan_may_write_only_its_status_items_to_the_settings_table(resources: Resources) -> None:
    settings_writes = [s for s in statements(resources, role_id(resources, "ProcessingScanRole"))
                       if any(a in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                    "dynamodb:BatchWriteItem") for a in actions(s))
                       and "Settings" in resources_text(s)]
    assert len(settings_writes) == 1
    [statement] = settings_writes
    assert actions(statement) == ["dynamodb:PutItem"]
    assert statement["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["status"]}}


def test_rules_schedules_rescans_in_their_group_with_a_role_that_only_feeds_the_scan_queue(
        resources: Resources) -> None:
    granted = _granted(resources, "ProcessingRulesRole")
    schedules = [r for a, r in granted if a == "scheduler:CreateSchedule"]
    assert schedules and all("schedule/" in r and "RescanGroup" in r for r in schedules)
    passed = [r for a, r in granted if a == "iam:PassRole"]
    assert passed and all("RescanSchedulerRole" in r for r in passed)
    scheduler_role = role_id(resources, "RescanSchedulerRole")
    assert resources[scheduler_role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"}
    rescan_actions = {a for s in statements(resources, scheduler_role) for a in actions(s)}
    assert "sqs:SendMessage" in rescan_actions
    assert rescan_actions <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "kms:Decrypt",
                              "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"}
    [group] = of_type(resources, "AWS::Scheduler::ScheduleGroup")
    rules_fn = next(r for k, r in of_type(resources, "AWS::Lambda::Function").items() if "ProcessingRules" in k)
    env = rules_fn["Properties"]["Environment"]["Variables"]
    assert env["RESCAN_SCHEDULE_GROUP"] == {"Ref": group}
    assert "RESCAN_TARGET_ARN" in env and "RESCAN_ROLE_ARN" in env


def test_held_originals_outlive_the_longest_hold() -> None:
    from mailgate_infra.props import MailGatewayProps

    with pytest.raises(ValueError, match="incoming_retention_days: at least 2"):
        MailGatewayProps(gateway_config={"domains": {"example.test": {"kind": "ses"}}}, incoming_retention_days=1)


def test_releases_are_delivered_by_the_rules_function_which_the_api_may_invoke(resources: Resources) -> None:
    """The internet-facing API holds no delivery secret: it invokes rules, which reads the original and delivers."""
    api = next(f["Properties"] for k, f in of_type(resources, "AWS::Lambda::Function").items() if "AdminApi" in k)
    assert "RULES_FUNCTION" in api["Environment"]["Variables"]
    invokes = [r for a, r in _granted(resources, "AdminApiRole") if a == "lambda:InvokeFunction"]
    assert invokes and any("ProcessingRules" in r for r in invokes)
    rules_reads = [r for a, r in _granted(resources, "ProcessingRulesRole") if a == "s3:GetObject"]
    assert any("/backup/*" in r for r in rules_reads)
    assert any(a == "dynamodb:GetItem" and "BackupEntries" in r for a, r in _granted(resources, "ProcessingRulesRole"))
