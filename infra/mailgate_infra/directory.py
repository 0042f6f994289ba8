"""ldap_sync every 30 minutes through EventBridge Scheduler, with retries and a dead-letter queue."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mailgate_infra import nag, names
from mailgate_infra.functions import FunctionSettings, python_function
from mailgate_infra.processing import _secrets as secrets_pattern
from mailgate_infra.processing import secrets_arn
from mailgate_infra.storage import Storage


class DirectorySync(Construct):
    """One run at a time (reserved concurrency 1) so a slow directory never overlaps itself."""

    def __init__(self, scope: Construct, id: str, *, storage: Storage, layer: lambda_.ILayerVersion,
                 settings: FunctionSettings) -> None:
        super().__init__(scope, id)
        self.function = python_function(self, "LdapSync", code_dir="ldap_sync", settings=settings, layer=layer,
                                        timeout=Duration.minutes(10), service="ldap-sync",
                                        reserved_concurrency=1)
        storage.settings.grant_read_write_data(self.function)
        self.function.add_to_role_policy(iam.PolicyStatement(
            sid="ReadMailgateSecrets", actions=["secretsmanager:GetSecretValue"], resources=[secrets_arn(self)]))
        self.dlq = sqs.Queue(self, "ScheduleDlq", encryption=sqs.QueueEncryption.KMS,
                             encryption_master_key=storage.key, enforce_ssl=True,
                             retention_period=Duration.days(14))
        Validations.of(self.dlq).acknowledge(Acknowledgment(id="AwsSolutions::AwsSolutions-SQS3", reason=(
            "This queue is the schedule target's dead-letter queue (EventBridge Scheduler), a DLQ itself.")))
        nag.acknowledge_role(self.function, {**nag.common(), f"Resource::{secrets_pattern()}": (
            "secretsmanager:GetSecretValue only under the mailgate/ prefix (LDAP bind passwords).")})
        nag.acknowledge(Stack.of(self), {f"Resource::<{nag.logical_id(self.function)}.Arn>:*": (
            "the Scheduler target role may invoke any version/alias of ldap_sync only (aws_scheduler_targets).")})
        self.schedule = scheduler.Schedule(
            self, "Every30Minutes", schedule=scheduler.ScheduleExpression.rate(
                Duration.minutes(names.LDAP_SYNC_RATE_MINUTES)),
            description="mailgate LDAP/Active Directory synchronisation",
            target=targets.LambdaInvoke(self.function, dead_letter_queue=self.dlq, retry_attempts=3,
                                        max_event_age=Duration.minutes(25)))
