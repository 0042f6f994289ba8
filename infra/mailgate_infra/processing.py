"""scan and rules: SQS-driven functions with partial batch failures, each with a least-privilege role."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from mailgate.environment import Env
from mailgate.secret_names import DELIVERY
from mailgate_infra import nag, names
from mailgate_infra.functions import ContainerImage, FunctionSettings, python_function
from mailgate_infra.grants import read_prefix, read_secrets, secrets_finding, write_prefix
from mailgate_infra.ingress import Ingress, queue_with_dlq
from mailgate_infra.storage import Storage

SCAN_TIMEOUT = Duration.seconds(120)
CLAMAV_SCAN_TIMEOUT = Duration.seconds(300)  # a cold start loads ClamAV's signatures first (docs/antivirus.md)
RULES_TIMEOUT = Duration.seconds(300)


class Processing(Construct):
    def __init__(self, scope: Construct, id: str, *, storage: Storage, ingress: Ingress,
                 layer: lambda_.ILayerVersion, settings: FunctionSettings, max_receive_count: int,
                 rules_concurrency: int, scan_image: ContainerImage | None = None) -> None:
        super().__init__(scope, id)
        self.rules_queue, self.rules_dlq = queue_with_dlq(
            self, "RulesQueue", storage.key, Duration.seconds(RULES_TIMEOUT.to_seconds() * 6), max_receive_count)
        self._rescans(ingress)
        env = {**settings.environment, Env.RULES_QUEUE_URL: self.rules_queue.queue_url,
               Env.RESCAN_SCHEDULE_GROUP: self.rescan_group.ref, Env.RESCAN_TARGET_ARN: ingress.scan_queue.queue_arn,
               Env.RESCAN_ROLE_ARN: self.rescan_role.role_arn}
        settings = FunctionSettings(settings.memory_mb, settings.log_retention_days, env, settings.vpc)
        self.scan = python_function(self, "Scan", code_dir="scan", settings=settings, layer=layer,
                                    timeout=CLAMAV_SCAN_TIMEOUT if scan_image else SCAN_TIMEOUT, service="scan",
                                    image=scan_image)
        self.rules = python_function(self, "Rules", code_dir="rules", settings=settings, layer=layer,
                                     timeout=RULES_TIMEOUT, service="rules",
                                     reserved_concurrency=rules_concurrency)
        for fn, queue in ((self.scan, ingress.scan_queue), (self.rules, self.rules_queue)):
            fn.add_event_source(sources.SqsEventSource(queue, batch_size=5, report_batch_item_failures=True))
        self._grant_scan(storage)
        self._grant_rules(storage)
        self._grant_rescans()
        self._acknowledge(storage)

    def _rescans(self, ingress: Ingress) -> None:
        """The Anti-Spam Quarantine's re-scans: one-time EventBridge schedules in their own group, which put
        the request on the scan queue with a role that may do nothing else."""
        self.rescan_group = scheduler.CfnScheduleGroup(self, "RescanGroup")
        self.rescan_role = iam.Role(self, "RescanSchedulerRole",
                                    assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
                                    description="EventBridge Scheduler: hands held messages back to the scan queue")
        ingress.scan_queue.grant_send_messages(self.rescan_role)
        nag.acknowledge(self.rescan_role, nag.common(tracing=False))

    def _grant_rescans(self) -> None:
        """rules: creates one-time schedules in the re-scan group and passes them the scheduler's role."""
        schedules = Stack.of(self).format_arn(service="scheduler", resource="schedule",
                                              resource_name=f"{self.rescan_group.ref}/*")
        self.rules.add_to_role_policy(iam.PolicyStatement(
            sid="ScheduleRescans", actions=["scheduler:CreateSchedule"], resources=[schedules]))
        self.rules.add_to_role_policy(iam.PolicyStatement(
            sid="PassRescanRole", actions=["iam:PassRole"], resources=[self.rescan_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}))

    def _grant_scan(self, storage: Storage) -> None:
        """scan: reads incoming/ and lists/, writes reports/ and backup/, event and Backup records, hands to rules."""
        bucket = storage.bucket
        read_prefix(bucket, self.scan, names.INCOMING_PREFIX)
        read_prefix(bucket, self.scan, names.LISTS_PREFIX)
        read_prefix(bucket, self.scan, names.MODELS_PREFIX)  # the organisation's learned anti-spam counts
        write_prefix(bucket, self.scan, names.REPORTS_PREFIX)
        write_prefix(bucket, self.scan, names.BACKUP_PREFIX)
        storage.events.grant_write_data(self.scan)
        storage.backup.grant_write_data(self.scan)
        storage.settings.grant_read_data(self.scan)
        self.scan.add_to_role_policy(iam.PolicyStatement(  # the ClamAV signature status /health shows
            sid="PublishStatus", actions=["dynamodb:PutItem"], resources=[storage.settings.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [names.STATUS_PARTITION]}}))
        storage.key.grant(self.scan, "kms:Encrypt", "kms:GenerateDataKey*")
        self.rules_queue.grant_send_messages(self.scan)

    def _grant_rules(self, storage: Storage) -> None:
        """rules: reads incoming/ and reports/, writes backup/ and its tables, sends, reads its secrets."""
        bucket = storage.bucket
        read_prefix(bucket, self.rules, names.INCOMING_PREFIX)
        read_prefix(bucket, self.rules, names.REPORTS_PREFIX)
        write_prefix(bucket, self.rules, names.BACKUP_PREFIX)
        # reads: the message's events for its metrics, a scan report for a release from Backup (aws/scan_reports.py)
        storage.events.grant_read_write_data(self.rules)
        storage.backup.grant_write_data(self.rules)
        storage.idempotency.grant_read_write_data(self.rules)
        storage.settings.grant_read_data(self.rules)
        self.rules.add_to_role_policy(iam.PolicyStatement(  # whether each route takes mail (route_watch)
            sid="PublishRouteStatus", actions=["dynamodb:PutItem"], resources=[storage.settings.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [names.STATUS_PARTITION]}}))
        self.rules.add_to_role_policy(iam.PolicyStatement(
            sid="SendRawMail", actions=["ses:SendRawEmail"],
            resources=[self.rules.stack.format_arn(service="ses", resource="identity", resource_name="*")]))
        read_secrets(self.rules, self, "ReadDeliverySecrets", DELIVERY)  # DKIM/ARC keys, relay logins: not LDAP

    def grant_send_email(self, domains: Sequence[str]) -> None:
        """The mail_manager ingress mode's outbound path: rules sends the organisation's scanned outgoing mail to the
        internet with SES v2 SendEmail (raw content), from the accepted domains' identities only."""
        self.rules.add_to_role_policy(iam.PolicyStatement(
            sid="SendOutboundMail", actions=["ses:SendEmail"],
            resources=[self.rules.stack.format_arn(service="ses", resource="identity", resource_name=domain)
                       for domain in sorted(domains)]))

    def serve_releases(self, api: lambda_.Function, storage: Storage) -> None:
        """Releases from Backup: the admin API invokes rules synchronously with a release order, and rules delivers
        it (it reads the original under backup/ and the entry, and holds the relay logins and the ARC key, which
        the internet-facing API function must not)."""
        read_prefix(storage.bucket, self.rules, names.BACKUP_PREFIX)
        storage.backup.grant_read_data(self.rules)
        self.rules.grant_invoke(api)
        api.add_environment(Env.RULES_FUNCTION, self.rules.function_name)
        nag.acknowledge_role(api, {f"Resource::<{nag.logical_id(self.rules)}.Arn>:*": (
            "lambda:InvokeFunction on the rules function's versions/aliases only (grant_invoke): it delivers "
            "releases from Backup with the delivery secrets the API function does not hold.")})

    def serve_own_mail(self, function: lambda_.Function, why: str) -> None:
        """`function` has the gateway's own mail (mailgate.notify.own_mail) sent by rules, which holds the relay
        logins and the DKIM keys, and sends only mail from the notification sender to an accepted domain."""
        self.rules.grant_invoke(function)
        function.add_environment(Env.RULES_FUNCTION, self.rules.function_name)
        nag.acknowledge_role(function, {f"Resource::<{nag.logical_id(self.rules)}.Arn>:*": (
            f"lambda:InvokeFunction on the rules function's versions/aliases only (grant_invoke): {why}")})

    def _acknowledge(self, storage: Storage) -> None:
        bucket, tables = storage.bucket, (storage.events, storage.backup)
        indexes = {nag.table_indexes(t): nag.INDEX_REASON for t in tables}
        nag.acknowledge_role(self.scan, {**nag.common(), **indexes, **{
            nag.object_prefix(bucket, p): nag.PREFIX_REASON
            for p in (names.INCOMING_PREFIX, names.REPORTS_PREFIX, names.BACKUP_PREFIX, names.LISTS_PREFIX,
                      names.MODELS_PREFIX)}})
        nag.acknowledge_role(self.rules, {**nag.common(), **indexes, **{
            nag.object_prefix(bucket, p): nag.PREFIX_REASON
            for p in (names.INCOMING_PREFIX, names.REPORTS_PREFIX, names.BACKUP_PREFIX)},
            f"Resource::{_ses_identities()}": "ses:SendRawEmail: the sending identity is chosen at run time "
                                              "(the recipient domain's route), so any identity of this account.",
            **{secrets_finding(p): f"secretsmanager:GetSecretValue only under {p} (signing, sealing, relay "
                                   "logins: secrets named in the settings, by prefix)" for p in DELIVERY},
            f"Resource::{_rescan_schedules(self)}": "scheduler:CreateSchedule only in the re-scan group: one "
                                                    "schedule per held message, named at run time."})


def _ses_identities() -> str:
    return "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*"


def _rescan_schedules(processing: Processing) -> str:
    group = Stack.of(processing).resolve(processing.rescan_group.ref)
    return f"arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<{group['Ref']}>/*"
