"""The admin API: Cognito-authenticated REST API (validated, throttled, logged) proxying to `api`."""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, Aws, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from mailgate import secret_names, web_console
from mailgate.environment import Env
from mailgate_infra import nag, names
from mailgate_infra.functions import FunctionSettings, log_retention, python_function
from mailgate_infra.grants import delete_prefix, read_prefix, read_secrets, secrets_finding, write_prefix
from mailgate_infra.props import ApiDomain
from mailgate_infra.storage import Storage

LINK_RATE_PER_SECOND = 5  # the digest links' public resource: requests per second, and the burst
LINK_BURST = 10
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # what the console's requests use


def read_attributes() -> cognito.ClientAttributes:
    return cognito.ClientAttributes().with_standard_attributes(
        email=True, email_verified=True, fullname=True).with_custom_attributes("addresses")


def write_attributes() -> cognito.ClientAttributes:
    """Users may change their name, nothing that says which mail is theirs: a user who could write `email` or
    `custom:addresses` could become any mailbox (administrators set both). Every app client has these limits."""
    return cognito.ClientAttributes().with_standard_attributes(fullname=True)


class AdminApi(Construct):
    def __init__(self, scope: Construct, id: str, *, storage: Storage, layer: lambda_.ILayerVersion,
                 settings: FunctionSettings, domain: ApiDomain | None) -> None:
        super().__init__(scope, id)
        self.user_pool = self._user_pool()
        self.api_domain = domain
        self.client = self.user_pool.add_client(
            "AdminClient", auth_flows=cognito.AuthFlow(user_srp=True), prevent_user_existence_errors=True,
            generate_secret=False, read_attributes=read_attributes(), write_attributes=write_attributes())
        self.groups = [cognito.CfnUserPoolGroup(self, f"Group{g}", user_pool_id=self.user_pool.user_pool_id,
                                                group_name=g) for g in names.USER_GROUPS]
        env = {**settings.environment, Env.SETTINGS_TABLE: storage.settings.table_name}
        self.function = python_function(
            self, "Api", code_dir="api", layer=layer, timeout=Duration.seconds(29), service="api",
            settings=FunctionSettings(settings.memory_mb, settings.log_retention_days, env, settings.vpc))
        self._grant(storage)
        self.rest_api = self._rest_api(settings.log_retention_days, domain)
        self._public_links()

    def _user_pool(self) -> cognito.UserPool:
        return cognito.UserPool(
            self, "Users", self_sign_up_enabled=False, sign_in_aliases=cognito.SignInAliases(email=True),
            mfa=cognito.Mfa.REQUIRED, mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(min_length=14, require_digits=True, require_lowercase=True,
                                                   require_uppercase=True, require_symbols=True,
                                                   temp_password_validity=Duration.days(3)),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            keep_original=cognito.KeepOriginalAttrs(email=True),  # a changed address counts only once verified
            custom_attributes={"addresses": cognito.StringAttribute(mutable=True, max_len=2048)},
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            removal_policy=RemovalPolicy.RETAIN)

    def _grant(self, storage: Storage) -> None:
        """Reads what it shows (events, Backup, stored mail); edits settings and Backup entries; learns
        anti-spam feedback (the counts under models/antispam/, their pointer in the settings table)."""
        storage.events.grant_read_data(self.function)
        storage.events.grant_write_data(self.function)  # feedback events: who marked what
        storage.backup.grant_read_write_data(self.function)
        storage.settings.grant_read_write_data(self.function)
        read_prefix(storage.bucket, self.function, names.BACKUP_PREFIX)
        read_prefix(storage.bucket, self.function, names.REPORTS_PREFIX)
        read_prefix(storage.bucket, self.function, names.MODELS_PREFIX)
        write_prefix(storage.bucket, self.function, names.MODELS_PREFIX)
        delete_prefix(storage.bucket, self.function, names.MODELS_PREFIX)
        read_prefix(storage.bucket, self.function, names.LISTS_PREFIX)  # the exposure search's URL list
        write_prefix(storage.bucket, self.function, names.LISTS_PREFIX)
        read_prefix(storage.bucket, self.function, names.INCOMING_PREFIX)  # a replay re-runs Content Filtering on it
        # a replay job carries itself on by invoking this function again (mailgate.aws.replay_trigger); its name is
        # not known here without a dependency cycle, so this stack's functions, by the name CloudFormation gives them
        self.function.add_to_role_policy(iam.PolicyStatement(
            sid="ContinueReplayJobs", actions=["lambda:InvokeFunction"],
            resources=[Stack.of(self).format_arn(service="lambda", resource="function",
                                                 resource_name=f"{Stack.of(self).stack_name}-*",
                                                 arn_format=ArnFormat.COLON_RESOURCE_NAME)]))
        # Releases from Backup deliver from here (mailgate.backup.releasing): once per request and target through
        # the rules step's execute-once table, through SES for a route of that kind. Not the relay logins or the
        # ARC key: this function faces the internet and reads no secret (tests/infra/test_secret_grants.py).
        storage.idempotency.grant_read_write_data(self.function)
        self.function.add_to_role_policy(iam.PolicyStatement(
            sid="SendReleasedMail", actions=["ses:SendRawEmail"],
            resources=[Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")]))
        nag.acknowledge_role(self.function, {
            **nag.common(), **{nag.table_indexes(t): nag.INDEX_REASON for t in (storage.events, storage.backup)},
            **{nag.object_prefix(storage.bucket, p): nag.PREFIX_REASON
               for p in (names.BACKUP_PREFIX, names.REPORTS_PREFIX, names.MODELS_PREFIX, names.LISTS_PREFIX,
                         names.INCOMING_PREFIX)},
            f"Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{Stack.of(self).stack_name}-*":
                "lambda:InvokeFunction for a replay job to carry itself on in a new invocation of the api function, "
                "whose own name cannot be named in its role without a dependency cycle: this stack's functions only.",
            "Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*":
                "ses:SendRawEmail: a release goes through the route of its target's domain, chosen at run time, "
                "so any identity of this account (as the rules function)."})

    def _rest_api(self, log_days: int, domain: ApiDomain | None) -> apigw.RestApi:
        access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention(log_days),
                                    removal_policy=RemovalPolicy.RETAIN)
        authorizer = apigw.CognitoUserPoolsAuthorizer(self, "Authorizer", cognito_user_pools=[self.user_pool])
        api = apigw.LambdaRestApi(
            self, "Rest", handler=self.function, proxy=False, cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            default_method_options=apigw.MethodOptions(
                authorizer=authorizer, authorization_type=apigw.AuthorizationType.COGNITO),
            deploy_options=apigw.StageOptions(
                stage_name="v1", tracing_enabled=True, throttling_rate_limit=50, throttling_burst_limit=100,
                logging_level=apigw.MethodLoggingLevel.ERROR, metrics_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True)),
            domain_name=apigw.DomainNameOptions(
                domain_name=domain.domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Cert", domain.certificate_arn),
                security_policy=apigw.SecurityPolicy.TLS_1_2) if domain else None)
        validator = api.add_request_validator("Validate", validate_request_body=True,
                                              validate_request_parameters=True)
        api.root.add_method("ANY", request_validator=validator)
        api.root.add_resource("{proxy+}").add_method("ANY", request_validator=validator)
        Validations.of(api).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                               "AmazonAPIGatewayPushToCloudWatchLogs]", reason=(
                "API Gateway's account-level CloudWatch role uses the AWS managed "
                "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to enable execution logs.")),
            Acknowledgment(id="AwsSolutions::AwsSolutions-APIG3", reason=(
                "WAF is an operator choice (cost, rules); every method needs a Cognito token and the stage "
                "is throttled. Attach a web ACL to the stage if required.")))
        return api

    @property
    def origin(self) -> str:
        """Where browsers reach the API: the custom domain, or the REST API's own host (its id, not `url`, which
        names the stage and would make the console's headers wait for the deployment that waits for them)."""
        if self.api_domain is not None:
            return f"https://{self.api_domain.domain_name}"
        return f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"

    @property
    def url(self) -> str:
        """The API's base URL as clients call it (the custom domain maps its root to the stage)."""
        return f"{self.origin}/" if self.api_domain is not None else self.rest_api.url

    def allow_console(self, origin: str) -> None:
        """CORS for the web console's origin and nothing else. API Gateway answers the preflights itself (a browser
        sends them without the token, so the authorizer would refuse them), its own refusals (401 from the
        authorizer, throttling, a timeout) carry the origin so the console can read them, and the function answers
        CORS for the same origin (mailgate.api.app)."""
        for resource in (self.rest_api.root, self.rest_api.root.get_resource("{proxy+}")):
            assert resource is not None
            # OPTIONS without an authorizer (browsers send preflights without the token, by design): a mock
            # integration answers, the function is never called; cdk-nag's APIG4/COG4 do not count OPTIONS either
            resource.add_cors_preflight(
                allow_origins=[origin], allow_methods=list(CORS_METHODS),
                allow_headers=list(web_console.API_ALLOW_HEADERS),
                expose_headers=list(web_console.API_EXPOSE_HEADERS),
                max_age=Duration.seconds(web_console.PREFLIGHT_MAX_AGE_SECONDS), allow_credentials=False)
        headers = {"Access-Control-Allow-Origin": f"'{origin}'", "Vary": "'Origin'",
                   "Access-Control-Expose-Headers": f"'{','.join(web_console.API_EXPOSE_HEADERS)}'"}
        for kind, name in ((apigw.ResponseType.DEFAULT_4_XX, "Cors4xx"), (apigw.ResponseType.DEFAULT_5_XX, "Cors5xx")):
            self.rest_api.add_gateway_response(name, type=kind, response_headers=headers)
        self.function.add_environment(Env.CONSOLE_ORIGIN, origin)

    def _public_links(self) -> None:
        """The daily digest's links (mailgate.api.routes_links): no Cognito token, the signed single-use link is
        all the credential they take and they do only what the link names; throttled far below the stage, so
        nobody tries tokens fast. The function reads the links' signing keys and no other secret: not the DKIM
        keys either, an internet-facing function must not be able to sign as the organisation."""
        links = self.rest_api.root.add_resource("links").add_resource("{token}")
        validator = self.rest_api.add_request_validator("ValidateLinks", validate_request_parameters=True)
        for method in ("GET", "POST"):
            links.add_method(method, apigw.LambdaIntegration(self.function), request_validator=validator,
                             authorization_type=apigw.AuthorizationType.NONE)
        stage = self.rest_api.deployment_stage.node.default_child
        assert isinstance(stage, apigw.CfnStage)
        stage.method_settings = [*(stage.method_settings or []), apigw.CfnStage.MethodSettingProperty(
            resource_path="/~1links~1{token}", http_method="*", throttling_rate_limit=LINK_RATE_PER_SECOND,
            throttling_burst_limit=LINK_BURST)]
        read_secrets(self.function, self, "ReadLinkKeys", (secret_names.LINKS,))
        nag.acknowledge_role(self.function, {secrets_finding(secret_names.LINKS): (
            f"the digest links' signing keys, the one secret under {secret_names.LINKS}")})
        Validations.of(links).acknowledge(
            Acknowledgment(id="AwsSolutions::AwsSolutions-APIG4", reason=(
                "The digest's links are public on purpose: the signed single-use link is the credential.")),
            Acknowledgment(id="AwsSolutions::AwsSolutions-COG4", reason=(
                "The digest's links take no Cognito token: the signed single-use link is the credential.")))
        self.link_keys = secretsmanager.Secret(
            self, "LinkKeys", secret_name=secret_names.LINK_KEYS,
            description='mailgate digest link keys: {"keys": [oldest, ..., newest]} (rotate by appending)',
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}", generate_string_key="key", password_length=64,  # noqa: S106 - a shape
                exclude_punctuation=True))
        Validations.of(self.link_keys).acknowledge(Acknowledgment(id="AwsSolutions::AwsSolutions-SMG4", reason=(
            "Rotated by an administrator appending a key to the list (docs/backup.md, Digest): links signed with "
            "the previous key must keep working for their lifetime, which a replacing rotation would break.")))
