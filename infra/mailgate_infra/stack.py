"""The deployable stack: `MailGateway` configured from CDK context, plus the cdk-nag checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from mailgate_infra.gateway import MailGateway
from mailgate_infra.props import ApiDomain, ConsoleDomain, MailGatewayProps

EXAMPLE_CONFIG: dict[str, Any] = {
    "authserv_id": "mailgate.example.test",
    "domains": {"example.test": {"hosts": [{"host": "mail.example.test", "port": 587}]}},
}


FEATURE_FLAGS: dict[str, Any] = {
    # access-log delivery through a bucket policy instead of the legacy LogDeliveryWrite ACL
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


class MailgateStack(Stack):
    def __init__(self, scope: Construct, id: str, props: MailGatewayProps, vpc_id: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        if vpc_id:
            props = MailGatewayProps(**{**props.__dict__, "vpc": ec2.Vpc.from_lookup(self, "Vpc", vpc_id=vpc_id)})
        self.gateway = MailGateway(self, "Gateway", props)


def props_from_context(app: App) -> MailGatewayProps:
    """Context keys (cdk.json or `-c key=value`): config (a JSON file path), alarmEmail, memoryMb,
    activateRuleSet, clamavScanning (default true), apiDomain + apiCertificateArn, console (default true),
    consoleDomain + consoleCertificateArn, consoleLoginPrefix, ingressMode (receipt_rule, the default, or
    mail_manager). Without `config` the example domain is used."""
    ctx = app.node.try_get_context
    config_path = ctx("config")
    config = json.loads(Path(config_path).read_text()) if config_path else EXAMPLE_CONFIG
    domain = ApiDomain(ctx("apiDomain"), ctx("apiCertificateArn")) if ctx("apiDomain") else None
    console_domain = (ConsoleDomain(ctx("consoleDomain"), ctx("consoleCertificateArn"))
                      if ctx("consoleDomain") else None)
    return MailGatewayProps(
        gateway_config=config, alarm_email=ctx("alarmEmail"),
        function_memory_mb=int(ctx("memoryMb") or 1024),
        activate_rule_set=str(ctx("activateRuleSet") or "false").lower() == "true", api_domain=domain,
        clamav_scanning=str(ctx("clamavScanning") or "true").lower() == "true",
        console=str(ctx("console") or "true").lower() == "true", console_domain=console_domain,
        console_login_prefix=ctx("consoleLoginPrefix"), ingress_mode=str(ctx("ingressMode") or "receipt_rule"))


def build_app(app: App | None = None) -> tuple[App, MailgateStack]:
    app = app or App(context=FEATURE_FLAGS)
    ctx = app.node.try_get_context
    account, region = ctx("account"), ctx("region")
    env = {"account": account, "region": region} if account and region else None
    stack = MailgateStack(app, "MailgateStack", props_from_context(app), vpc_id=ctx("vpcId"), env=env)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
