"""Where mail and state live: a KMS key, the mail bucket (+ access-log bucket), DynamoDB tables."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mailgate_infra import names
from mailgate_infra.props import MailGatewayProps


def _attr(spec: dict[str, Any], name: str) -> ddb.Attribute:
    kinds = {a["AttributeName"]: a["AttributeType"] for a in spec["AttributeDefinitions"]}
    kind = {"S": ddb.AttributeType.STRING, "N": ddb.AttributeType.NUMBER, "B": ddb.AttributeType.BINARY}
    return ddb.Attribute(name=name, type=kind[kinds[name]])


def _keys(spec: dict[str, Any], schema: list[dict[str, str]]) -> tuple[ddb.Attribute, ddb.Attribute | None]:
    """(partition, sort) from a boto3-style KeySchema."""
    sort = _attr(spec, schema[1]["AttributeName"]) if len(schema) > 1 else None
    return _attr(spec, schema[0]["AttributeName"]), sort


class Storage(Construct):
    """Bucket prefixes: incoming/ (raw mail, written by SES), reports/ (scan results), backup/."""

    def __init__(self, scope: Construct, id: str, props: MailGatewayProps) -> None:
        super().__init__(scope, id)
        config = props.parsed()
        self.key = kms.Key(self, "Key", enable_key_rotation=True, description="mailgate data at rest",
                           removal_policy=RemovalPolicy.RETAIN)
        self.log_bucket = s3.Bucket(
            self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(props.log_retention_days))],
            removal_policy=RemovalPolicy.RETAIN)
        Validations.of(self.log_bucket).acknowledge(Acknowledgment(
            id="AwsSolutions-S1", reason="This is the access-log bucket; logging it to itself would loop."))
        self.bucket = s3.Bucket(
            self, "Mail", encryption=s3.BucketEncryption.KMS, encryption_key=self.key, bucket_key_enabled=True,
            enforce_ssl=True, versioned=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.log_bucket, server_access_logs_prefix="mail/",
            lifecycle_rules=self._lifecycle(props, config.backup_retention_days),
            removal_policy=RemovalPolicy.RETAIN)
        specs = names.TABLE_SPECS
        # "EventLog": the event log's items and indexes changed shape together (one item per step, index entries of
        # what a search filters on); CloudFormation cannot replace two indexes of a table in one update, so a new
        # table is created (see docs/deploy.md, Upgrading)
        self.events = self._table("EventLog", specs["events"], names.EVENTS_TTL)
        # "BackupEntries": the search indexes came as five at once, which CloudFormation cannot add to a table in
        # place; a new table is created (see docs/deploy.md, Upgrading)
        self.backup = self._table("BackupEntries", specs["backup"], names.BACKUP_TTL)
        self.idempotency = self._table("Idempotency", specs["idempotency"], names.IDEMPOTENCY_TTL)
        self.settings = self._table("Settings", specs["settings"], None)

    @staticmethod
    def _lifecycle(props: MailGatewayProps, backup_days: int) -> list[s3.LifecycleRule]:
        def rule(prefix: str, days: int) -> s3.LifecycleRule:
            return s3.LifecycleRule(id=prefix.rstrip("/"), prefix=prefix, expiration=Duration.days(days),
                                    noncurrent_version_expiration=Duration.days(1),
                                    abort_incomplete_multipart_upload_after=Duration.days(1))

        return [rule(names.INCOMING_PREFIX, props.incoming_retention_days),
                rule(names.REPORTS_PREFIX, props.reports_retention_days),
                rule(names.BACKUP_PREFIX, backup_days),
                # the current anti-spam model never expires; versions it replaced stay a week for recovery
                s3.LifecycleRule(id="models", prefix=names.MODELS_PREFIX,
                                 noncurrent_version_expiration=Duration.days(7),
                                 abort_incomplete_multipart_upload_after=Duration.days(1))]

    def _table(self, id: str, spec: dict[str, Any], ttl: str | None) -> ddb.Table:
        partition, sort = _keys(spec, spec["KeySchema"])
        table = ddb.Table(
            self, id, billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=ddb.TableEncryption.CUSTOMER_MANAGED, encryption_key=self.key,
            time_to_live_attribute=ttl, removal_policy=RemovalPolicy.RETAIN,
            partition_key=partition, sort_key=sort)
        for index in spec.get("GlobalSecondaryIndexes", []):
            index_partition, index_sort = _keys(spec, index["KeySchema"])
            projection = index.get("Projection", {"ProjectionType": "ALL"})
            table.add_global_secondary_index(index_name=index["IndexName"], partition_key=index_partition,
                                             sort_key=index_sort,
                                             projection_type=ddb.ProjectionType(projection["ProjectionType"]),
                                             non_key_attributes=projection.get("NonKeyAttributes"))
        return table
