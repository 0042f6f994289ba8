"""SES receipt → S3 incoming/ (+ SNS notification) → SQS scan queue. Queues are the only hand-offs:
Lambda's asynchronous queue may drop events, SQS keeps them and counts redeliveries for the code.
In the mail_manager ingress mode only the scan queue is made here (mailgate_infra.mail_manager feeds it)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, Aws, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from mailgate_infra import names
from mailgate_infra.props import MAIL_MANAGER, MailGatewayProps
from mailgate_infra.storage import Storage

PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"  # AwsCustomResource's singleton provider id


def queue_with_dlq(scope: Construct, id: str, key: kms.IKey, visibility: Duration,
                   max_receive_count: int) -> tuple[sqs.Queue, sqs.Queue]:
    """An encrypted, TLS-only queue whose dead-letter queue receives after `max_receive_count`."""
    dlq = sqs.Queue(scope, f"{id}Dlq", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key,
                    enforce_ssl=True, retention_period=Duration.days(14))
    queue = sqs.Queue(scope, id, encryption=sqs.QueueEncryption.KMS, encryption_master_key=key,
                      enforce_ssl=True, visibility_timeout=visibility, retention_period=Duration.days(14),
                      dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=max_receive_count))
    return queue, dlq


class Ingress(Construct):
    """The receipt rule stores the raw message first (S3 action), then notifies via SNS → SQS."""

    def __init__(self, scope: Construct, id: str, props: MailGatewayProps, storage: Storage,
                 scan_timeout: Duration, max_receive_count: int) -> None:
        super().__init__(scope, id)
        config = props.parsed()
        self.scan_queue, self.scan_dlq = queue_with_dlq(
            self, "ScanQueue", storage.key, Duration.seconds(scan_timeout.to_seconds() * 6), max_receive_count)
        self.rule_set: ses.ReceiptRuleSet | None = None
        self.topic: sns.Topic | None = None
        if props.ingress_mode == MAIL_MANAGER:  # Mail Manager writes to S3, whose notifications feed the queue
            return  # (mailgate_infra.mail_manager): no receipt rule, rule set, topic or activation
        self._allow_ses_to_use_key(storage.key)
        self.topic = sns.Topic(self, "Received", master_key=storage.key, enforce_ssl=True)
        self.topic.add_subscription(subs.SqsSubscription(self.scan_queue, raw_message_delivery=False))
        self.rule_set = ses.ReceiptRuleSet(self, "RuleSet")
        self.rule = self.rule_set.add_rule(
            "Inbound", recipients=sorted(config.domains), enabled=True, scan_enabled=True,
            tls_policy=ses.TlsPolicy.REQUIRE,
            actions=[ses_actions.S3(bucket=storage.bucket, object_key_prefix=names.INCOMING_PREFIX,
                                    topic=self.topic)])
        self._only_this_rule_set_writes(storage, self.rule_set)
        if props.activate_rule_set:
            self._activate(self.rule_set)

    def _activate(self, rule_set: ses.ReceiptRuleSet) -> None:
        """Make this the account's active rule set (there is one per region: this replaces the current)."""
        call = cr.AwsSdkCall(service="SES", action="setActiveReceiptRuleSet",
                             parameters={"RuleSetName": rule_set.receipt_rule_set_name},
                             physical_resource_id=cr.PhysicalResourceId.of("mailgate-active-rule-set"))
        activation = cr.AwsCustomResource(
            self, "Activate", on_create=call, on_update=call,
            on_delete=cr.AwsSdkCall(service="SES", action="setActiveReceiptRuleSet", parameters={}),
            policy=cr.AwsCustomResourcePolicy.from_statements([iam.PolicyStatement(
                actions=["ses:SetActiveReceiptRuleSet"], resources=["*"])]),  # no resource-level permission
            install_latest_aws_sdk=False)
        Validations.of(activation).acknowledge(Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="ses:SetActiveReceiptRuleSet has no resource-level permissions."))
        provider = Stack.of(self).node.find_child(PROVIDER_ID)  # CDK's singleton provider function
        Validations.of(provider).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                              "AWSLambdaBasicExecutionRole]",
                           reason="CDK's AwsCustomResource provider (one-off rule-set activation) uses it."),
            Acknowledgment(id="AwsSolutions-L1", reason="CDK's AwsCustomResource provider picks its own runtime."))

    def _only_this_rule_set_writes(self, storage: Storage, rule_set: ses.ReceiptRuleSet) -> None:
        """CDK's S3 action grants SES with aws:SourceAccount; add the SourceArn of this rule set."""
        rule_set_arn = Stack.of(self).format_arn(
            service="ses", resource="receipt-rule-set",
            resource_name=f"{rule_set.receipt_rule_set_name}:receipt-rule/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME)
        storage.bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="OnlyThisReceiptRuleSet", effect=iam.Effect.DENY,
            principals=[iam.ServicePrincipal("ses.amazonaws.com")], actions=["s3:PutObject"],
            resources=[storage.bucket.arn_for_objects("*")],
            conditions={"ArnNotLike": {"aws:SourceArn": rule_set_arn}}))

    @staticmethod
    def _allow_ses_to_use_key(key: kms.Key) -> None:
        """SES writes SSE-KMS objects and publishes to the encrypted topic; only for this account."""
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowSesFromThisAccount", principals=[iam.ServicePrincipal("ses.amazonaws.com")],
            actions=["kms:GenerateDataKey*", "kms:Encrypt", "kms:Decrypt"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowSnsToEncryptQueueMessages", principals=[iam.ServicePrincipal("sns.amazonaws.com")],
            actions=["kms:GenerateDataKey*", "kms:Decrypt"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
