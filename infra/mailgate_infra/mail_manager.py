"""The mail_manager ingress mode: SES Mail Manager in front of the same scan queue (docs/deploy.md, Mail Manager mode).

Inbound: an open ingress point whose traffic policy accepts a recipient only if it is in the organisation's address
list (ldap_sync keeps it equal to the directory), so unknown recipients are refused during the SMTP dialogue; its rule
set writes each accepted message under incoming/. Outbound: an authenticated ingress point (SMTP AUTH, the password in
a generated secret) for the organisation's own mail servers; its rule set writes under outgoing/, which is how the scan
function learns the direction. Both prefixes notify the scan queue through S3 event notifications (ObjectCreated), a
shape the scan function already reads; everything after the scan queue is unchanged.

Why S3 notifications and not Mail Manager's PublishToSns action: the SNS notification's format is not documented (its
PayloadType is the message's content or its headers, not a reference to the stored object), so the queue would get a
message we cannot tie to the object WriteToS3 stored. What the SMTP envelope looks like in Mail Manager's output is
not documented either (see docs/deploy.md): without an envelope the scan function takes the recipients from To/Cc and
flags it, so Bcc recipients are not seen in this mode until Mail Manager documents a way to pass RCPT TO on.
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import Acknowledgment, Aws, CfnOutput, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mailgate.config import RecipientVerification
from mailgate_infra import nag, names
from mailgate_infra.grants import read_prefix
from mailgate_infra.storage import Storage

# Environment variables (mailgate.environment.Env names them once the functions read them).
OUTGOING_PREFIX_VARIABLE = "OUTGOING_PREFIX"  # scan: objects under it are outbound mail
ADDRESS_LIST_VARIABLE = "MAIL_MANAGER_ADDRESS_LIST"  # ldap_sync: the address list id it keeps equal to the directory

MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES's 40 MB, as the receipt rule and SES v2 SendEmail take
# What ldap_sync does to the list: incremental changes, and an import job for large ones.
ADDRESS_LIST_ACTIONS = ("ses:RegisterMemberToAddressList", "ses:DeregisterMemberFromAddressList",
                        "ses:ListMembersOfAddressList", "ses:CreateAddressListImportJob",
                        "ses:StartAddressListImportJob", "ses:GetAddressListImportJob")
OUTSIDE_SMTP_ALPHABET = " \"'/\\:;<>`~"  # outside Mail Manager's SMTP password alphabet
NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"  # CDK's singleton id

Policy = ses.CfnMailManagerTrafficPolicy


def _only_tls12_or_later() -> Policy.PolicyConditionProperty:
    return Policy.PolicyConditionProperty(tls_expression=Policy.IngressTlsProtocolExpressionProperty(
        evaluate=Policy.IngressTlsProtocolToEvaluateProperty(attribute="TLS_PROTOCOL"),
        operator="MINIMUM_TLS_VERSION", value="TLS1_2"))


def _recipient(operator: str, values: Sequence[str]) -> Policy.PolicyConditionProperty:
    return Policy.PolicyConditionProperty(string_expression=Policy.IngressStringExpressionProperty(
        evaluate=Policy.IngressStringToEvaluateProperty(attribute="RECIPIENT"), operator=operator,
        values=list(values)))


class MailManagerIngress(Construct):
    """The address list, two traffic policies, two rule sets, two ingress points, the roles Mail Manager assumes to
    write to the bucket, the SMTP password secret, and the S3 notifications to the scan queue."""

    def __init__(self, scope: Construct, id: str, *, storage: Storage, scan_queue: sqs.Queue,
                 retention_days: int, domains: Sequence[str] = (),
                 verification: RecipientVerification | None = None) -> None:
        super().__init__(scope, id)
        self._storage = storage
        self.address_list = ses.CfnMailManagerAddressList(self, "Recipients")
        self.inbound_policy = ses.CfnMailManagerTrafficPolicy(
            self, "InboundPolicy", default_action="DENY", max_message_size_bytes=MAX_MESSAGE_BYTES,
            policy_statements=self._inbound_statements(domains, verification))
        self.outbound_policy = ses.CfnMailManagerTrafficPolicy(
            self, "OutboundPolicy", default_action="DENY", max_message_size_bytes=MAX_MESSAGE_BYTES,
            policy_statements=[Policy.PolicyStatementProperty(action="ALLOW",
                                                                 conditions=[_only_tls12_or_later()])])
        self.inbound_role = self._writer_role("InboundWriter", names.INCOMING_PREFIX)
        self.outbound_role = self._writer_role("OutboundWriter", names.OUTGOING_PREFIX)
        self.inbound_rules = self._rule_set("InboundRules", "StoreInbound", self.inbound_role, names.INCOMING_PREFIX)
        self.outbound_rules = self._rule_set("OutboundRules", "StoreOutbound", self.outbound_role,
                                             names.OUTGOING_PREFIX)
        self.smtp_secret = self._smtp_secret()
        self.inbound = ses.CfnMailManagerIngressPoint(
            self, "Inbound", type="OPEN", traffic_policy_id=self.inbound_policy.attr_traffic_policy_id,
            rule_set_id=self.inbound_rules.attr_rule_set_id, tls_policy="REQUIRED")
        self.outbound = ses.CfnMailManagerIngressPoint(
            self, "Outbound", type="AUTH", traffic_policy_id=self.outbound_policy.attr_traffic_policy_id,
            rule_set_id=self.outbound_rules.attr_rule_set_id, tls_policy="REQUIRED",
            ingress_point_configuration=ses.CfnMailManagerIngressPoint.IngressPointConfigurationProperty(
                secret_arn=self.smtp_secret.secret_arn))
        self._notify(scan_queue, retention_days)
        self._outputs()

    def _inbound_statements(self, domains: Sequence[str],
                            verification: RecipientVerification | None) -> list[Policy.PolicyStatementProperty]:
        """What the open ingress accepts during SMTP, from the settings the stack is deployed with (a change to
        `recipient_verification` applies with the next deployment): with verification on, the address list
        ldap_sync keeps, the settings' `*@domain` catch-alls, and `local@*` role addresses (postmaster@ always) of
        the accepted domains; with it off, every recipient of an accepted domain. Everything else is refused."""
        in_domains = _recipient("ENDS_WITH", [f"@{d.lower()}" for d in sorted(domains)])
        if verification is None or not verification.enabled:
            return [Policy.PolicyStatementProperty(action="ALLOW", conditions=[in_domains])] if domains else []
        listed = Policy.PolicyConditionProperty(boolean_expression=Policy.IngressBooleanExpressionProperty(
            evaluate=Policy.IngressBooleanToEvaluateProperty(
                is_in_address_list=Policy.IngressIsInAddressListProperty(
                    address_lists=[self.address_list.attr_address_list_arn], attribute="RECIPIENT")),
            operator="IS_TRUE"))
        statements = [Policy.PolicyStatementProperty(action="ALLOW", conditions=[listed])]
        catch_alls = sorted({p[1:] for p in verification.also_accept if p.startswith("*@")})
        if catch_alls:
            statements.append(Policy.PolicyStatementProperty(action="ALLOW",
                                                             conditions=[_recipient("ENDS_WITH", catch_alls)]))
        roles = sorted({p[:-1] for p in verification.also_accept if p.endswith("@*")} | {"postmaster@"})
        if domains:
            statements.append(Policy.PolicyStatementProperty(action="ALLOW", conditions=[
                _recipient("STARTS_WITH", roles), in_domains]))
        return statements

    def _source_arns(self, *resources: str) -> dict[str, dict[str, object]]:
        """Only Mail Manager resources of this account and region may act through what this grants."""
        stack = Stack.of(self)
        return {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "ArnLike": {"aws:SourceArn": [stack.format_arn(service="ses", resource=r, resource_name="*")
                                              for r in resources]}}

    def _writer_role(self, id: str, prefix: str) -> iam.Role:
        """What a rule set's WriteToS3 action assumes: put objects under its own prefix, encrypted with the key."""
        role = iam.Role(self, id, description=f"SES Mail Manager: writes received mail under {prefix}",
                        assumed_by=iam.ServicePrincipal("ses.amazonaws.com").with_conditions(
                            self._source_arns("mailmanager-rule-set", "mailmanager-ingress-point")))
        bucket, key = self._storage.bucket, self._storage.key
        role.add_to_policy(iam.PolicyStatement(sid="WriteReceivedMail", actions=["s3:PutObject"],
                                               resources=[bucket.arn_for_objects(f"{prefix}*")]))
        role.add_to_policy(iam.PolicyStatement(sid="EncryptReceivedMail",
                                               actions=["kms:Encrypt", "kms:GenerateDataKey"],
                                               resources=[key.key_arn]))
        nag.acknowledge(role, {nag.object_prefix(bucket, prefix): nag.PREFIX_REASON})
        return role

    def _rule_set(self, id: str, rule: str, role: iam.Role, prefix: str) -> ses.CfnMailManagerRuleSet:
        """One rule without conditions: every accepted message is written under `prefix` with the gateway's key
        (a message that cannot be stored is dropped by Mail Manager, not half-processed)."""
        rules = ses.CfnMailManagerRuleSet
        return rules(self, id, rules=[rules.RuleProperty(name=rule, actions=[rules.RuleActionProperty(
            write_to_s3=rules.S3ActionProperty(role_arn=role.role_arn, s3_bucket=self._storage.bucket.bucket_name,
                                               s3_prefix=prefix, s3_sse_kms_key_id=self._storage.key.key_arn,
                                               action_failure_policy="DROP"))])])

    def _smtp_secret(self) -> secretsmanager.Secret:
        """The authenticated ingress point's SMTP password: generated, never in the template; Mail Manager reads it
        (through the gateway's key) only for this account's ingress points."""
        secret = secretsmanager.Secret(
            self, "OutboundSmtpPassword", encryption_key=self._storage.key,
            description="mailgate: the SMTP AUTH password of the outbound Mail Manager ingress point",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}", generate_string_key="password",  # noqa: S106 - a key name
                password_length=32,
                exclude_characters=OUTSIDE_SMTP_ALPHABET))
        secret.add_to_resource_policy(iam.PolicyStatement(
            sid="MailManagerReadsThePassword", principals=[iam.ServicePrincipal("ses.amazonaws.com")],
            actions=["secretsmanager:GetSecretValue"], resources=["*"],
            conditions=self._source_arns("mailmanager-ingress-point")))
        self._storage.key.add_to_resource_policy(iam.PolicyStatement(
            sid="MailManagerDecryptsTheSmtpPassword", principals=[iam.ServicePrincipal("ses.amazonaws.com")],
            actions=["kms:Decrypt"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID,
                                         "kms:ViaService": f"secretsmanager.{Aws.REGION}.amazonaws.com"}}))
        Validations.of(secret).acknowledge(Acknowledgment(id="AwsSolutions-SMG4", reason=(
            "The SMTP password is configured on the organisation's own mail servers: rotating it is a planned change "
            "on both sides (docs/deploy.md, Mail Manager mode), not an automatic one.")))
        return secret

    def _notify(self, scan_queue: sqs.Queue, retention_days: int) -> None:
        """Each object stored under incoming/ or outgoing/ puts an S3 ObjectCreated record on the scan queue."""
        bucket = self._storage.bucket
        destination = _ScanQueue(scan_queue)
        for prefix in (names.INCOMING_PREFIX, names.OUTGOING_PREFIX):
            bucket.add_event_notification(s3.EventType.OBJECT_CREATED, destination,
                                          s3.NotificationKeyFilter(prefix=prefix))
        self._storage.key.add_to_resource_policy(iam.PolicyStatement(  # S3 puts to the encrypted scan queue
            sid="AllowS3ToNotifyTheScanQueue", principals=[iam.ServicePrincipal("s3.amazonaws.com")],
            actions=["kms:GenerateDataKey*", "kms:Decrypt"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        # outgoing/ originals live as long as incoming/ ones (as the Storage construct's rule for incoming/)
        bucket.add_lifecycle_rule(id=names.OUTGOING_PREFIX.rstrip("/"), prefix=names.OUTGOING_PREFIX,
                                  expiration=Duration.days(retention_days),
                                  noncurrent_version_expiration=Duration.days(1),
                                  abort_incomplete_multipart_upload_after=Duration.days(1))
        handler = Stack.of(self).node.try_find_child(NOTIFICATIONS_HANDLER)
        if handler is not None:
            Validations.of(handler).acknowledge(
                Acknowledgment(id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                  "AWSLambdaBasicExecutionRole]",
                               reason="CDK's bucket-notifications handler (runs only during deploys) uses it."),
                Acknowledgment(id="AwsSolutions-IAM5[Resource::*]",
                               reason="CDK's bucket-notifications handler: s3:PutBucketNotification has to name the "
                                      "bucket at run time; it runs only during deploys."),
                Acknowledgment(id="AwsSolutions-L1", reason="CDK's bucket-notifications handler picks its runtime."))

    def serve(self, *, scan: lambda_.Function, rules: lambda_.Function, ldap_sync: lambda_.Function,
              api: lambda_.Function | None = None) -> None:
        """scan, rules (and the api function's replays) read outgoing/ as they read incoming/; scan is told the
        prefix; ldap_sync keeps the list."""
        bucket = self._storage.bucket
        for function in (scan, rules, *([api] if api is not None else [])):
            read_prefix(bucket, function, names.OUTGOING_PREFIX)
            nag.acknowledge_role(function, {nag.object_prefix(bucket, names.OUTGOING_PREFIX): nag.PREFIX_REASON})
        scan.add_environment(OUTGOING_PREFIX_VARIABLE, names.OUTGOING_PREFIX)
        ldap_sync.add_environment(ADDRESS_LIST_VARIABLE, self.address_list.attr_address_list_id)
        ldap_sync.add_to_role_policy(iam.PolicyStatement(
            sid="KeepTheRecipientAddressList", actions=list(ADDRESS_LIST_ACTIONS),
            resources=[self.address_list.attr_address_list_arn]))

    def _outputs(self) -> None:
        CfnOutput(self, "InboundARecord", value=self.inbound.attr_a_record,
                  description="MX target of the accepted domains (docs/deploy.md, Mail Manager mode)")
        CfnOutput(self, "OutboundARecord", value=self.outbound.attr_a_record,
                  description="SMTP host the organisation's mail servers relay outgoing mail through (AUTH, TLS)")
        CfnOutput(self, "OutboundSmtpSecretArn", value=self.smtp_secret.secret_arn,
                  description="Secrets Manager secret whose 'password' is the outbound ingress point's SMTP password")
        CfnOutput(self, "AddressListId", value=self.address_list.attr_address_list_id,
                  description="Mail Manager address list of the valid recipients (kept by ldap_sync)")


@jsii.implements(s3.IBucketNotificationDestination)
class _ScanQueue:
    """The scan queue as a bucket notification destination. CDK's SqsDestination would also grant S3 the key with the
    bucket's ARN as condition, and the bucket is encrypted with that key: a dependency cycle. Here the queue policy
    names the bucket, the key policy the account (AllowS3ToNotifyTheScanQueue)."""

    def __init__(self, queue: sqs.Queue) -> None:
        self.queue = queue

    def bind(self, scope: Construct, bucket: s3.IBucket) -> s3.BucketNotificationDestinationConfig:
        self.queue.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("s3.amazonaws.com")], actions=["sqs:SendMessage"],
            resources=[self.queue.queue_arn],
            conditions={"ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        policy = self.queue.node.find_child("Policy")
        return s3.BucketNotificationDestinationConfig(arn=self.queue.queue_arn,
                                                      type=s3.BucketNotificationDestinationType.QUEUE,
                                                      dependencies=[policy])
