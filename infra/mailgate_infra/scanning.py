"""ClamAV in AWS: a signature bucket kept fresh by a scheduled freshclam function, and the scan
function's container image with clamd inside (it loads the signatures from the bucket on a cold start
and reloads newer ones while warm: mailgate.scanners.antivirus.embedded). Costs: docs/antivirus.md.

`DockerImageCode.from_image_asset` only stages the build context at synth, so synth needs no Docker;
`cdk deploy` builds and pushes the images (Docker required there).
"""

from __future__ import annotations

import shutil
import tempfile
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
from mailgate_infra.functions import REPO_ROOT, ContainerImage, layer_directory, log_retention
from mailgate_infra.storage import Storage

CLAMAV_CONTEXT = Path(__file__).resolve().parents[1] / "clamav"
SIGNATURES_PREFIX = "clamav/"
# ClamAV needs ~1.2 GiB for the official signatures (one engine: no concurrent reload) plus what a
# 40 MB message takes to scan; 3008 MB also buys about two vCPUs for the cold-start load.
SCAN_IMAGE_MEMORY_MB = 3008
SCAN_IMAGE_EPHEMERAL_MB = 2048  # signatures (~400 MB) and clamd's temporary files for large attachments


def scan_image() -> ContainerImage:
    """The scan handler and the mailgate package (the built layer when there is one) on the Lambda
    Python base image, with clamd installed: a build context staged from those files only."""
    staged = Path(tempfile.mkdtemp(prefix="mailgate-scan-image-"))
    shutil.copytree(layer_directory() / "python", staged / "python",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO_ROOT / "functions" / "scan" / "handler.py", staged / "handler.py")
    shutil.copy(CLAMAV_CONTEXT / "scan.Dockerfile", staged / "Dockerfile")
    return ContainerImage(lambda_.DockerImageCode.from_image_asset(str(staged)), SCAN_IMAGE_MEMORY_MB,
                          SCAN_IMAGE_EPHEMERAL_MB)


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
        self.location = f"s3://{self.bucket.bucket_name}/{SIGNATURES_PREFIX}"
        self.schedule = scheduler.Schedule(
            self, "Every2Hours", schedule=scheduler.ScheduleExpression.rate(Duration.hours(2)),
            description="mailgate ClamAV signature refresh",
            target=targets.LambdaInvoke(self.function, retry_attempts=2))

    def serve(self, scanner: lambda_.Function) -> None:
        """The scan function's clamd reads the signatures: list and get under clamav/ only."""
        scanner.add_environment("CLAMAV_SIGNATURES", self.location)
        scanner.add_to_role_policy(iam.PolicyStatement(
            sid="ReadSignatures", actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects("clamav/*")]))
        scanner.add_to_role_policy(iam.PolicyStatement(
            sid="ListSignatures", actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{SIGNATURES_PREFIX}*"]}}))
        if self.bucket.encryption_key:
            self.bucket.encryption_key.grant_decrypt(scanner)
        nag.acknowledge_role(scanner, {nag.object_prefix(self.bucket, SIGNATURES_PREFIX): nag.PREFIX_REASON})
