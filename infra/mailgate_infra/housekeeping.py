"""Scheduled jobs of the admin API's function: Backup's retention sweep every hour (age, size, orphans), the
daily digest of Backup and the summary reports' daily run (mailgate.reports.service.due decides which periods are
due), both invoked hourly and done in the hour their current settings name."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mailgate.environment import SCHEDULED_JOB_KEY
from mailgate_infra import nag, names
from mailgate_infra.grants import delete_prefix, list_prefix, read_prefix, write_prefix
from mailgate_infra.storage import Storage

RETENTION_RATE_HOURS = 1
SUMMARY_PREFIX = "summary-reports/"  # mailgate.reports.service.PREFIX


class Housekeeping(Construct):
    def __init__(self, scope: Construct, id: str, *, storage: Storage, api: lambda_.Function) -> None:
        super().__init__(scope, id)
        delete_prefix(storage.bucket, api, names.BACKUP_PREFIX)  # deletions and the retention sweep
        list_prefix(storage.bucket, api, names.BACKUP_PREFIX)
        for grant in (read_prefix, write_prefix, list_prefix):  # the summary reports kept, listed, downloaded
            grant(storage.bucket, api, SUMMARY_PREFIX)
        nag.acknowledge_role(api, {nag.object_prefix(storage.bucket, SUMMARY_PREFIX): (
            "the summary reports the api function makes, lists and offers for download: their own prefix only")})
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
        self.digest = self._digest(api)
        self.reports = self._reports(api)
        self.application_checks = scheduler.Schedule(
            self, "ApplicationChecks", schedule=scheduler.ScheduleExpression.rate(Duration.minutes(5)),
            description="mailgate application notices: dead-letter queues that start or stop holding messages",
            target=targets.LambdaInvoke(api, input=scheduler.ScheduleTargetInput.from_object(
                {SCHEDULED_JOB_KEY: "application_checks"}), dead_letter_queue=self.dlq, retry_attempts=1,
                max_event_age=Duration.minutes(4)))

    def _digest(self, api: lambda_.Function) -> scheduler.Schedule:
        """Hourly; the job (`backup_digest_at_hour`) sends only in the hour `digest.hour` of `digest.time_zone`,
        read from the current settings, so changing the hour, the zone or turning the digest on needs no
        deployment (daylight saving time included: the hour is the zone's local hour)."""
        return scheduler.Schedule(
            self, "BackupDigest", description="mailgate daily digest of Backup with single-use links",
            schedule=scheduler.ScheduleExpression.cron(minute="0"),
            target=targets.LambdaInvoke(api, input=scheduler.ScheduleTargetInput.from_object(
                {SCHEDULED_JOB_KEY: "backup_digest_at_hour"}), dead_letter_queue=self.dlq, retry_attempts=2,
                max_event_age=Duration.minutes(50)))

    def _reports(self, api: lambda_.Function) -> scheduler.Schedule:
        """Hourly at minute 5; the job (`summary_reports_at_hour`) makes the periods switched on that are due (the
        day before; on Mondays the week before; on the 1st the month before) only in the hour `reports.hour` of
        `reports.time_zone` of the current settings."""
        return scheduler.Schedule(
            self, "SummaryReports", description="mailgate summary reports (daily, weekly, monthly as configured)",
            schedule=scheduler.ScheduleExpression.cron(minute="5"),
            target=targets.LambdaInvoke(api, input=scheduler.ScheduleTargetInput.from_object(
                {SCHEDULED_JOB_KEY: "summary_reports_at_hour"}), dead_letter_queue=self.dlq, retry_attempts=2,
                max_event_age=Duration.minutes(50)))
