"""ldap_sync every 30 minutes through EventBridge Scheduler, with retries and a dead-letter queue."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mailgate.aws.resources import directory_table_spec
from mailgate.environment import Env
from mailgate.secret_names import LDAP
from mailgate_infra import nag, names
from mailgate_infra.functions import FunctionSettings, python_function
from mailgate_infra.grants import read_secrets, secrets_arn, secrets_finding
from mailgate_infra.storage import Storage


class DirectorySync(Construct):
    """The directory cache table and its sync function. One run at a time per gateway (reserved
    concurrency 1) and per connection (a lease in the table), so a slow directory never overlaps itself."""

    def __init__(self, scope: Construct, id: str, *, storage: Storage, layer: lambda_.ILayerVersion,
                 settings: FunctionSettings) -> None:
        super().__init__(scope, id)
        spec = directory_table_spec("directory")
        partition, sort = (ddb.Attribute(name=k["AttributeName"], type=ddb.AttributeType.STRING)
                           for k in spec["KeySchema"])
        self.table = ddb.Table(
            self, "Cache", billing_mode=ddb.BillingMode.PAY_PER_REQUEST, partition_key=partition, sort_key=sort,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=ddb.TableEncryption.CUSTOMER_MANAGED, encryption_key=storage.key,
            time_to_live_attribute="expires_at", removal_policy=RemovalPolicy.RETAIN)
        env = {**settings.environment, Env.DIRECTORY_TABLE: self.table.table_name}
        self.function = python_function(self, "LdapSync", code_dir="ldap_sync", layer=layer,
                                        settings=FunctionSettings(settings.memory_mb, settings.log_retention_days,
                                                                  env, settings.vpc),
                                        timeout=Duration.minutes(10), service="ldap-sync",
                                        reserved_concurrency=1)
        storage.settings.grant_read_write_data(self.function)
        storage.events.grant_write_data(self.function)  # sync failures, recoveries, new duplicates
        self.table.grant_read_write_data(self.function)
        read_secrets(self.function, self, "ReadLdapPasswords", (LDAP,))  # bind passwords, nothing else
        self.dlq = sqs.Queue(self, "ScheduleDlq", encryption=sqs.QueueEncryption.KMS,
                             encryption_master_key=storage.key, enforce_ssl=True,
                             retention_period=Duration.days(14))
        Validations.of(self.dlq).acknowledge(Acknowledgment(id="AwsSolutions::AwsSolutions-SQS3", reason=(
            "This queue is the schedule target's dead-letter queue (EventBridge Scheduler), a DLQ itself.")))
        nag.acknowledge_role(self.function, {**nag.common(), secrets_finding(LDAP): (
            f"secretsmanager:GetSecretValue only under {LDAP} (LDAP bind passwords, one per connection)."),
            nag.table_indexes(storage.events): nag.INDEX_REASON})
        nag.acknowledge(Stack.of(self), {f"Resource::<{nag.logical_id(self.function)}.Arn>:*": (
            "the Scheduler target role may invoke any version/alias of ldap_sync only (aws_scheduler_targets).")})
        self.schedule = scheduler.Schedule(
            self, "Every30Minutes", schedule=scheduler.ScheduleExpression.rate(
                Duration.minutes(names.LDAP_SYNC_RATE_MINUTES)),
            description="mailgate LDAP/Active Directory synchronisation",
            target=targets.LambdaInvoke(self.function, dead_letter_queue=self.dlq, retry_attempts=3,
                                        max_event_age=Duration.minutes(25)))

    def serve_readers(self, *functions: lambda_.Function) -> None:
        """Functions that read the cache (scan: the names anti-phishing protects; rules: users and groups
        in rule conditions)."""
        for fn in functions:
            fn.add_environment(Env.DIRECTORY_TABLE, self.table.table_name)
            self.table.grant_read_data(fn)

    def serve_admin_api(self, api: lambda_.Function) -> None:
        """The admin API: manages connections and their passwords, starts syncs, searches the cache."""
        api.add_environment(Env.DIRECTORY_TABLE, self.table.table_name)
        api.add_environment(Env.LDAP_SYNC_FUNCTION, self.function.function_name)
        self.table.grant_read_write_data(api)
        self.function.grant_invoke(api)
        api.add_to_role_policy(iam.PolicyStatement(
            sid="WriteLdapPasswords",
            actions=["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret"],
            resources=[secrets_arn(self, LDAP)]))
        nag.acknowledge_role(api, {secrets_finding(LDAP): (
            f"write-only LDAP bind passwords under {LDAP} (one secret per connection, named by its id)."),
            f"Resource::<{nag.logical_id(self.function)}.Arn>:*": (
            "lambda:InvokeFunction on ldap_sync's versions/aliases only (grant_invoke), for on-demand syncs.")})
