"""Exact S3 prefix grants (CDK's grant_read adds s3:List*/GetBucket*, which the functions never use)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3


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

