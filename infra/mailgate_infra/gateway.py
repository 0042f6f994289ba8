"""`MailGateway`: the whole gateway as one L3 construct composed of one construct per concern."""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from mailgate.environment import Env
from mailgate_infra import names
from mailgate_infra.api import AdminApi
from mailgate_infra.console import WebConsole
from mailgate_infra.directory import DirectorySync
from mailgate_infra.functions import RUNTIME, FunctionSettings, layer_directory
from mailgate_infra.grants import read_queue_depth
from mailgate_infra.housekeeping import Housekeeping
from mailgate_infra.ingress import Ingress
from mailgate_infra.mail_manager import MailManagerIngress
from mailgate_infra.monitoring import Monitoring
from mailgate_infra.processing import CLAMAV_SCAN_TIMEOUT, SCAN_TIMEOUT, Processing
from mailgate_infra.props import MAIL_MANAGER, MailGatewayProps
from mailgate_infra.scanning import SignatureRefresh, scan_image
from mailgate_infra.siem import SiemExport
from mailgate_infra.storage import Storage

__all__ = ["MailGateway", "MailGatewayProps"]


def dlq_receive_count(max_attempts: int) -> int:
    """The code retries delivery `max_attempts` times then writes its own last-resort Backup; the DLQ
    must only take what that path could not handle, so it receives after two more deliveries."""
    return max_attempts + 2


class MailGateway(Construct):
    def __init__(self, scope: Construct, id: str, props: MailGatewayProps) -> None:
        super().__init__(scope, id)
        config = props.parsed()  # a bad configuration fails synth here, naming the field
        self.max_receive_count = dlq_receive_count(config.delivery.max_attempts)
        self.storage = Storage(self, "Storage", props)
        scan_timeout = CLAMAV_SCAN_TIMEOUT if props.clamav_scanning else SCAN_TIMEOUT
        self.ingress = Ingress(self, "Ingress", props, self.storage, scan_timeout, self.max_receive_count)
        self.mail_manager = MailManagerIngress(
            self, "MailManager", storage=self.storage, scan_queue=self.ingress.scan_queue,
            retention_days=props.incoming_retention_days, domains=sorted(config.domains),
            verification=config.recipient_verification) if props.ingress_mode == MAIL_MANAGER else None
        self.layer = lambda_.LayerVersion(self, "MailgateLayer", code=lambda_.Code.from_asset(str(layer_directory())),
                                          compatible_runtimes=[RUNTIME],
                                          description="mailgate domain library and its dependencies")
        settings = FunctionSettings(props.function_memory_mb, props.log_retention_days,
                                    self._environment(props), props.vpc)
        self.processing = Processing(self, "Processing", storage=self.storage, ingress=self.ingress,
                                     layer=self.layer, settings=settings, max_receive_count=self.max_receive_count,
                                     rules_concurrency=props.rules_concurrency,
                                     scan_image=scan_image() if props.clamav_scanning else None)
        self.directory = DirectorySync(self, "Directory", storage=self.storage, layer=self.layer, settings=settings)
        self.api = AdminApi(self, "Admin", storage=self.storage, layer=self.layer, settings=settings,
                            domain=props.api_domain)
        self.console = WebConsole(self, "Console", api=self.api, storage=self.storage, props=props) \
            if props.console else None
        self.directory.serve_admin_api(self.api.function)
        self.processing.serve_releases(self.api.function, self.storage)
        self.processing.serve_own_mail(self.directory.function, "it sends the directory's application notices "
                                       "(mailgate.notify.application) with the delivery secrets.")
        self.notices = self._application_notices()
        read_queue_depth(self.api.function, {
            Env.SCAN_QUEUE_URL: self.ingress.scan_queue, Env.SCAN_DLQ_URL: self.ingress.scan_dlq,
            Env.RULES_QUEUE_URL: self.processing.rules_queue, Env.RULES_DLQ_URL: self.processing.rules_dlq})
        self.housekeeping = Housekeeping(self, "Housekeeping", storage=self.storage, api=self.api.function)
        self.directory.serve_readers(self.processing.scan, self.processing.rules)  # rules: directory groups
        if self.mail_manager is not None:  # outgoing/ to scan and rules, the address list to ldap_sync, SendEmail
            self.mail_manager.serve(scan=self.processing.scan, rules=self.processing.rules,
                                    ldap_sync=self.directory.function, api=self.api.function)
            self.processing.grant_send_email(sorted(config.domains))
        self.signatures = SignatureRefresh(self, "ClamAV", storage=self.storage,
                                           log_retention_days=props.log_retention_days)
        if props.clamav_scanning:
            self.signatures.serve(self.processing.scan)
        self.siem = SiemExport(self, "Siem", key=self.storage.key, target=props.siem, forwarder=self.api.function,
                               writers=[self.processing.scan, self.processing.rules, self.directory.function]) \
            if props.siem is not None else None
        self.monitoring = Monitoring(
            self, "Monitoring", key=self.storage.key, alarm_email=props.alarm_email,
            dlqs={"Scan": self.ingress.scan_dlq, "Rules": self.processing.rules_dlq,
                  "LdapSchedule": self.directory.dlq, "HousekeepingSchedule": self.housekeeping.dlq,
                  **({"Siem": self.siem.dlq} if self.siem is not None else {})},
            functions={"Scan": self.processing.scan, "Rules": self.processing.rules,
                       "LdapSync": self.directory.function, "Api": self.api.function,
                       "SignatureRefresh": self.signatures.function})
        if self.ingress.rule_set is not None:
            CfnOutput(self, "ReceiptRuleSetName", value=self.ingress.rule_set.receipt_rule_set_name,
                      description="activate with: aws ses set-active-receipt-rule-set --rule-set-name <this>")
        CfnOutput(self, "ApiUrl", value=self.api.rest_api.url)
        CfnOutput(self, "UserPoolId", value=self.api.user_pool.user_pool_id)
        CfnOutput(self, "MailBucketName", value=self.storage.bucket.bucket_name)
        if self.console is not None:
            CfnOutput(self, "ConsoleUrl", value=self.console.url, description="the web console (docs/deploy.md)")

    def _application_notices(self) -> sns.Topic:
        """The topic the functions that announce application notices (mailgate.notify.application) publish to
        when the settings name no other; people or a chat integration subscribe to it."""
        topic = sns.Topic(self, "AdministratorNotices", master_key=self.storage.key, enforce_ssl=True,
                          display_name="mailgate application notices")
        for function in (self.api.function, self.directory.function):
            topic.grant_publish(function)
            function.add_environment(Env.APPLICATION_TOPIC_ARN, topic.topic_arn)
        CfnOutput(self, "AdministratorNoticesTopicArn", value=topic.topic_arn,
                  description="SNS topic of the gateway's application notices: subscribe to it")
        return topic

    def _environment(self, props: MailGatewayProps) -> dict[str, str]:
        s = self.storage
        return {Env.MAIL_BUCKET: s.bucket.bucket_name, Env.INCOMING_PREFIX: names.INCOMING_PREFIX,
                Env.REPORTS_PREFIX: names.REPORTS_PREFIX, Env.BACKUP_PREFIX: names.BACKUP_PREFIX,
                Env.EVENTS_TABLE: s.events.table_name, Env.BACKUP_TABLE: s.backup.table_name,
                Env.IDEMPOTENCY_TABLE: s.idempotency.table_name, Env.SETTINGS_TABLE: s.settings.table_name,
                Env.CONFIG: props.config_json(), Env.SECRETS_PREFIX: names.SECRETS_PREFIX,
                **props.extra_env}
