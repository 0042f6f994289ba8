"""ClamAV signatures: a bucket and a scheduled freshclam refresh (container image; built at deploy).

`DockerImageCode.from_image_asset` only stages the build context at synth, so synth needs no Docker;
`cdk deploy` builds and pushes the image (Docker required there).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from mailgate_infra import nag, names
from mailgate_infra.functions import log_retention
from mailgate_infra.storage import Storage

CLAMAV_CONTEXT = Path(__file__).resolve().parents[1] / "clamav"


class SignatureRefresh(Construct):
    def __init__(self, scope: Construct, id: str, *, storage: Storage, log_retention_days: int) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self, "Signatures", encryption=s3.BucketEncryption.KMS, encryption_key=storage.key,
            bucket_key_enabled=True, enforce_ssl=True, versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, server_access_logs_bucket=storage.log_bucket,
            server_access_logs_prefix="signatures/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(7))],
            removal_policy=RemovalPolicy.RETAIN)
        role = iam.Role(self, "RefreshRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="mailgate freshclam: writes signatures, publishes their age")
        log_group = logs.LogGroup(self, "RefreshLogs", retention=log_retention(log_retention_days),
                                  removal_policy=RemovalPolicy.RETAIN)
        log_group.grant_write(role)
        self.function = lambda_.DockerImageFunction(
            self, "Refresh", code=lambda_.DockerImageCode.from_image_asset(str(CLAMAV_CONTEXT)),
            role=role, memory_size=1024, timeout=Duration.minutes(10), tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group, reserved_concurrent_executions=1,
            environment={"SIGNATURE_BUCKET": self.bucket.bucket_name,
                         "POWERTOOLS_METRICS_NAMESPACE": names.METRICS_NAMESPACE})
        self.bucket.grant_put(self.function, "clamav/*")
        role.add_to_policy(iam.PolicyStatement(
            sid="PublishSignatureAge", actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": names.METRICS_NAMESPACE}}))
        nag.acknowledge(role, {**nag.common(), nag.object_prefix(self.bucket, "clamav/"): nag.PREFIX_REASON,
                               "Action::s3:Abort*": "CDK's grant_put includes s3:AbortMultipartUpload for "
                                                    "large signature uploads; limited to clamav/*."})
        nag.acknowledge(Stack.of(self), {f"Resource::<{nag.logical_id(self.function)}.Arn>:*": (
            "the Scheduler target role may invoke any version/alias of the refresh function only.")})
        self.schedule = scheduler.Schedule(
            self, "Every2Hours", schedule=scheduler.ScheduleExpression.rate(Duration.hours(2)),
            description="mailgate ClamAV signature refresh",
            target=targets.LambdaInvoke(self.function, retry_attempts=2))
