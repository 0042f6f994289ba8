"""The web console in AWS: its built files in a private bucket behind CloudFront (origin access control, the
security headers of `mailgate.web_console`), login through the user pool's domain with a public app client of its
own (the authorization-code flow; the console sends PKCE), and the admin API open to its origin only.

One build serves every deployment: what the page needs to know (the API, the login, its client) is in the
`config.json` deployed beside the files.
"""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Duration, RemovalPolicy, Stack, Token, Validations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct, IConstruct

from mailgate import web_console
from mailgate_infra import nag
from mailgate_infra.api import AdminApi, read_attributes, write_attributes
from mailgate_infra.functions import log_retention
from mailgate_infra.props import RESERVED_IN_PREFIX, ConsoleDomain, MailGatewayProps
from mailgate_infra.storage import Storage

INDEX = "index.html"
SESSION_HOURS = 12  # a refresh token lasts a working day; ID and access tokens an hour (Cognito's default)


def dist_folder() -> Path:
    """`console/dist` (or `$MAILGATE_CONSOLE_DIST`): synth stops here, naming the command that builds it."""
    dist = web_console.dist_folder()
    if not (dist / INDEX).is_file():
        raise FileNotFoundError(
            f"the web console is not built: {dist / INDEX} is missing. Run scripts/setup.sh (it builds console/dist), "
            "or set MAILGATE_CONSOLE_DIST to a built console, or deploy without it (MailGatewayProps.console=False).")
    return dist


def default_login_prefix(stack: Stack) -> str:
    """`<stack name>-<account id>`: Cognito prefix domains are shared by every account of a region."""
    name = "" if Token.is_unresolved(stack.stack_name) else stack.stack_name.lower()
    for word in RESERVED_IN_PREFIX:
        name = name.replace(word, "")
    name = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40].strip("-") or "mailgate"
    return f"{name}-{Aws.ACCOUNT_ID}"


def security_headers_behavior(headers: dict[str, str]) -> cloudfront.ResponseSecurityHeadersBehavior:
    """CloudFront's typed security headers carrying exactly `web_console.security_headers`; each overrides what the
    origin might send. A header without a typed setting would need a custom header: none is expected."""
    left = dict(headers)
    hsts = [part.strip() for part in left.pop("Strict-Transport-Security").split(";")]
    max_age = int(hsts[0].removeprefix("max-age="))
    behavior = cloudfront.ResponseSecurityHeadersBehavior(
        content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
            content_security_policy=left.pop("Content-Security-Policy"), override=True),
        strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
            access_control_max_age=Duration.seconds(max_age), include_subdomains="includeSubDomains" in hsts,
            preload="preload" in hsts, override=True),
        content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True)
        if left.pop("X-Content-Type-Options") == "nosniff" else None,
        frame_options=cloudfront.ResponseHeadersFrameOptions(
            frame_option=getattr(cloudfront.HeadersFrameOption, left.pop("X-Frame-Options").upper()), override=True),
        referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
            referrer_policy=getattr(cloudfront.HeadersReferrerPolicy,
                                    left.pop("Referrer-Policy").upper().replace("-", "_")), override=True))
    if left:
        raise ValueError(f"security headers without a CloudFront setting here: {sorted(left)}")
    return behavior


class WebConsole(Construct):
    """`url` is the console's address (its origin); `client` the user pool's app client for it."""

    def __init__(self, scope: Construct, id: str, *, api: AdminApi, storage: Storage,
                 props: MailGatewayProps) -> None:
        super().__init__(scope, id)
        dist = dist_folder()
        self.bucket = self._bucket(storage)
        self.login = api.user_pool.add_domain(
            "Login", cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=props.console_login_prefix or default_login_prefix(Stack.of(self))),
            managed_login_version=cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI)
        issuer = f"https://cognito-idp.{Aws.REGION}.{Aws.URL_SUFFIX}"  # the OpenID discovery document and keys
        connect = [api.origin, self.login.base_url(), issuer]
        self.headers = cloudfront.ResponseHeadersPolicy(
            self, "Headers", comment="mailgate web console: CSP without inline script, HSTS, no framing",
            security_headers_behavior=security_headers_behavior(web_console.security_headers(connect)))
        self.distribution = self._distribution(props.console_domain, props.log_retention_days, storage)
        self.url = (f"https://{props.console_domain.domain_name}" if props.console_domain
                    else f"https://{self.distribution.distribution_domain_name}")
        self.client = self._client(api.user_pool)
        api.allow_console(self.url)
        logout = (f"{self.login.base_url()}/logout?client_id={self.client.user_pool_client_id}"
                  f"&logout_uri={self.url}/")  # the managed login's sign-out, back to the console
        config = web_console.config_document(api.url, f"{issuer}/{api.user_pool.user_pool_id}",
                                             self.client.user_pool_client_id, logout)
        self.deployment = s3deploy.BucketDeployment(
            self, "Deploy", destination_bucket=self.bucket,
            sources=[s3deploy.Source.asset(str(dist)), s3deploy.Source.json_data(web_console.CONFIG_FILE, config)],
            cache_control=[s3deploy.CacheControl.no_cache()],  # revalidated by ETag: a new build shows at once
            distribution=self.distribution, distribution_paths=["/*"], memory_limit=256,
            log_group=logs.LogGroup(self, "DeployLogs", retention=log_retention(props.log_retention_days),
                                    removal_policy=RemovalPolicy.RETAIN))
        self._acknowledge_deployment()

    def _bucket(self, storage: Storage) -> s3.Bucket:
        return s3.Bucket(
            self, "Files", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=storage.log_bucket, server_access_logs_prefix="console/",
            removal_policy=RemovalPolicy.RETAIN)

    def _distribution(self, domain: ConsoleDomain | None, log_days: int, storage: Storage) -> cloudfront.Distribution:
        # CloudFront's standard logs are delivered with an ACL, which the gateway's access-log bucket does not take
        logs_bucket = s3.Bucket(
            self, "CdnLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            server_access_logs_bucket=storage.log_bucket, server_access_logs_prefix="console-cdn-logs/",
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(log_days))],
            removal_policy=RemovalPolicy.RETAIN)
        spa = [cloudfront.ErrorResponse(http_status=status, response_http_status=200, response_page_path=f"/{INDEX}",
                                        ttl=Duration.seconds(0)) for status in (403, 404)]
        distribution = cloudfront.Distribution(
            self, "Distribution", comment="mailgate web console", default_root_object=INDEX, error_responses=spa,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED, response_headers_policy=self.headers),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3, enable_logging=True, log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
            domain_names=[domain.domain_name] if domain else None,
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn)
            if domain else None,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if domain else None)
        findings = [
            Acknowledgment(id="AwsSolutions::AwsSolutions-CFR1", reason=(
                "No geo restriction: administrators and users sign in from wherever they work; the login asks for "
                "a password and a second factor.")),
            Acknowledgment(id="AwsSolutions::AwsSolutions-CFR2", reason=(
                "WAF is an operator choice (cost, rules), as for the API stage: the distribution serves static files "
                "only, and every call the console makes needs a Cognito token. Attach a web ACL if required."))]
        if domain is None:
            findings.append(Acknowledgment(id="AwsSolutions::AwsSolutions-CFR4", reason=(
                "Without console_domain CloudFront serves its default *.cloudfront.net certificate, whose protocol "
                "floor CloudFront sets; with console_domain the distribution requires TLSv1.2_2021.")))
        Validations.of(distribution).acknowledge(*findings)
        return distribution

    def _client(self, pool: cognito.UserPool) -> cognito.UserPoolClient:
        """A public client (no secret: the page cannot keep one) for the managed login's authorization-code flow,
        nothing else; the console sends a PKCE code challenge, which Cognito checks for public clients."""
        client = pool.add_client(
            "ConsoleClient", generate_secret=False, prevent_user_existence_errors=True,
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[getattr(cognito.OAuthScope, scope.upper()) for scope in web_console.SCOPES.split()],
                callback_urls=[f"{self.url}{web_console.CALLBACK_PATH}"], logout_urls=[f"{self.url}/"]),
            refresh_token_validity=Duration.hours(SESSION_HOURS), enable_token_revocation=True,
            read_attributes=read_attributes(), write_attributes=write_attributes())
        resource = client.node.default_child
        assert isinstance(resource, cognito.CfnUserPoolClient)
        resource.explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH"]  # no password or SRP sign-in with this client
        return client

    def _acknowledge_deployment(self) -> None:
        """BucketDeployment's provider: a function CDK ships (its runtime, AWS's basic execution policy, and grants
        on the asset bucket and this bucket), running only while CloudFormation deploys the console's files."""
        nag.acknowledge(self.deployment.handler_role, {
            "Action::s3:GetBucket*": nag.DEPLOYMENT_REASON, "Action::s3:GetObject*": nag.DEPLOYMENT_REASON,
            "Action::s3:List*": nag.DEPLOYMENT_REASON, "Action::s3:DeleteObject*": nag.DEPLOYMENT_REASON,
            "Action::s3:Abort*": nag.DEPLOYMENT_REASON,
            f"Resource::<{nag.logical_id(self.bucket)}.Arn>/*": nag.DEPLOYMENT_REASON,
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*":
                nag.DEPLOYMENT_REASON,
            "Resource::*": "cloudfront:CreateInvalidation: CDK's provider grants it on every distribution."})
        Validations.of(self.deployment.handler_role).acknowledge(Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
               "AWSLambdaBasicExecutionRole]", reason=nag.DEPLOYMENT_REASON))
        for provider in _deployment_providers(Stack.of(self)):
            Validations.of(provider).acknowledge(Acknowledgment(id="AwsSolutions-L1", reason=(
                "CDK's BucketDeployment provider: its runtime is the one CDK ships and tests it with.")))


def _deployment_providers(stack: Stack) -> list[IConstruct]:
    """The singleton function behind every BucketDeployment of the stack (CDK creates it at the stack's root)."""
    return [child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")]
