"""Scheduled jobs of the admin API's function: Backup's retention sweep every hour (age, size, orphans), and the
daily digest of Backup at the configured hour in the configured time zone."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, TimeZone, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mailgate.config import DigestSettings
from mailgate.environment import SCHEDULED_JOB_KEY
from mailgate_infra import nag, names
from mailgate_infra.grants import delete_prefix, list_prefix
from mailgate_infra.storage import Storage

RETENTION_RATE_HOURS = 1


class Housekeeping(Construct):
    def __init__(self, scope: Construct, id: str, *, storage: Storage, api: lambda_.Function,
                 digest: DigestSettings | None = None) -> None:
        super().__init__(scope, id)
        delete_prefix(storage.bucket, api, names.BACKUP_PREFIX)  # deletions and the retention sweep
        list_prefix(storage.bucket, api, names.BACKUP_PREFIX)
        self.dlq = sqs.Queue(self, "ScheduleDlq", encryption=sqs.QueueEncryption.KMS,
                             encryption_master_key=storage.key, enforce_ssl=True,
                             retention_period=Duration.days(14))
        Validations.of(self.dlq).acknowledge(Acknowledgment(id="AwsSolutions::AwsSolutions-SQS3", reason=(
            "This queue is the schedule target's dead-letter queue (EventBridge Scheduler), a DLQ itself.")))
        nag.acknowledge(Stack.of(self), {f"Resource::<{nag.logical_id(api)}.Arn>:*": (
            "the Scheduler target role may invoke any version/alias of the api function only "
            "(aws_scheduler_targets).")})
        self.retention = scheduler.Schedule(
            self, "BackupRetention", schedule=scheduler.ScheduleExpression.rate(Duration.hours(RETENTION_RATE_HOURS)),
            description="mailgate Backup retention: age, size limit, copies without records",
            target=targets.LambdaInvoke(api, input=scheduler.ScheduleTargetInput.from_object(
                {SCHEDULED_JOB_KEY: "backup_retention"}), dead_letter_queue=self.dlq, retry_attempts=2,
                max_event_age=Duration.minutes(50)))
        self.digest = self._digest(api, digest or DigestSettings())

    def _digest(self, api: lambda_.Function, digest: DigestSettings) -> scheduler.Schedule:
        """Daily at `digest.hour` in `digest.time_zone` (Scheduler keeps the hour across daylight saving time).
        Scheduled also when the organisation turned the digest off: the job then sends nothing, and turning it
        on in the settings needs no deployment."""
        return scheduler.Schedule(
            self, "BackupDigest", description="mailgate daily digest of Backup with single-use links",
            schedule=scheduler.ScheduleExpression.cron(minute="0", hour=str(digest.hour),
                                                       time_zone=TimeZone.of(digest.time_zone)),
            target=targets.LambdaInvoke(api, input=scheduler.ScheduleTargetInput.from_object(
                {SCHEDULED_JOB_KEY: "backup_digest"}), dead_letter_queue=self.dlq, retry_attempts=2,
                max_event_age=Duration.hours(2)))
