"""Exact grants: S3 prefixes (CDK's grant_read adds s3:List*/GetBucket*, which the functions never use) and
Secrets Manager name prefixes (each function reads only the secrets of its own use, never all of mailgate/)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct


def read_prefix(bucket: s3.IBucket, grantee: iam.IGrantable, prefix: str) -> None:
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{prefix}*")]))
    if bucket.encryption_key:
        bucket.encryption_key.grant_decrypt(grantee)


def delete_prefix(bucket: s3.IBucket, grantee: iam.IGrantable, prefix: str) -> None:
    """For objects a function replaces (an older model version after a newer one is in place)."""
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:DeleteObject"], resources=[bucket.arn_for_objects(f"{prefix}*")]))


def write_prefix(bucket: s3.IBucket, grantee: iam.IGrantable, prefix: str) -> None:
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{prefix}*")]))
    if bucket.encryption_key:
        bucket.encryption_key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt")



def secrets_arn(scope: Construct, prefix: str) -> str:
    """Every secret whose name starts with `prefix` (Secrets Manager appends '-' and 6 characters)."""
    return Stack.of(scope).format_arn(service="secretsmanager", resource="secret", resource_name=f"{prefix}*",
                                      arn_format=ArnFormat.COLON_RESOURCE_NAME)


def secrets_finding(prefix: str) -> str:
    """How cdk-nag names the wildcard of `secrets_arn` in an IAM5 finding."""
    return f"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{prefix}*"


def read_secrets(function: iam.IGrantable, scope: Construct, sid: str, prefixes: tuple[str, ...]) -> None:
    """secretsmanager:GetSecretValue on the secrets under `prefixes` only."""
    function.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        sid=sid, actions=["secretsmanager:GetSecretValue"], resources=[secrets_arn(scope, p) for p in prefixes]))


def list_prefix(bucket: s3.IBucket, grantee: iam.IGrantable, prefix: str) -> None:
    """ListBucket limited to one prefix (Backup's retention compares the copies with the records)."""
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
        conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}}))


def read_queue_depth(function: lambda_.Function, queues: Mapping[str, sqs.IQueue]) -> None:
    """sqs:GetQueueAttributes on these queues only, and each queue's URL in the environment variable named by its
    key (the admin API shows their depth: GET /stats). A managed policy of its own: the API function's inline
    policy is near IAM's 10,240-character limit for a role's inline policies."""
    assert function.role is not None, "a function of this construct always has its role"
    iam.ManagedPolicy(function, "ReadQueueDepth", roles=[function.role],
                      description="mailgate admin API: the depth of the scan and rules queues and their DLQs",
                      statements=[iam.PolicyStatement(sid="ReadQueueDepth", actions=["sqs:GetQueueAttributes"],
                                                      resources=[q.queue_arn for q in queues.values()])])
    for variable, queue in queues.items():
        function.add_environment(variable, queue.queue_url)
