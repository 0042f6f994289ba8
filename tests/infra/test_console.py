"""The web console as an operator checks it in the template: private files reachable only through this
distribution, the headers that keep script and framing out, a login client that can only do the code flow back
to the console, and an API that answers CORS for the console's origin and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailgate.environment import Env
from tests.infra.helpers import of_type

Resources = dict[str, dict[str, Any]]


def _one(resources: Resources, kind: str, part: str = "") -> tuple[str, dict[str, Any]]:
    [(key, found)] = [(k, r["Properties"]) for k, r in of_type(resources, kind).items() if part in k]
    return key, found


def _distribution(resources: Resources) -> tuple[str, dict[str, Any]]:
    key, props = _one(resources, "AWS::CloudFront::Distribution")
    return key, props["DistributionConfig"]


def _console_origin(resources: Resources, quote: str = "") -> dict[str, Any]:
    """The console's origin as the template writes it: `https://` and the distribution's domain name (in quotes
    for API Gateway's header values)."""
    key, _ = _distribution(resources)
    return {"Fn::Join": ["", [f"{quote}https://", {"Fn::GetAtt": [key, "DomainName"]}, *([quote] if quote else [])]]}


def _text(value: Any) -> str:
    return json.dumps(value)


def _console_client(resources: Resources) -> dict[str, Any]:
    return _one(resources, "AWS::Cognito::UserPoolClient", "ConsoleClient")[1]


def _csp(resources: Resources) -> str:
    _, policy = _one(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    value = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    return "".join(p if isinstance(p, str) else "<ref>" for p in value["ContentSecurityPolicy"]["Fn::Join"][1])


def test_the_files_bucket_is_private_encrypted_and_readable_only_by_this_distribution(resources: Resources) -> None:
    _, bucket = _one(resources, "AWS::S3::Bucket", "ConsoleFiles")
    assert bucket["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert "WebsiteConfiguration" not in bucket  # served by CloudFront from the REST endpoint, never as a website
    _, policy = _one(resources, "AWS::S3::BucketPolicy", "ConsoleFiles")
    statements = policy["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    distribution_key, _ = _distribution(resources)
    assert len(allows) == 1
    [allow] = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    source = _text(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert ":distribution/" in source and _text({"Ref": distribution_key}) in source
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)


def test_the_distribution_uses_origin_access_control_https_and_the_spa_fallback(resources: Resources) -> None:
    _, config = _distribution(resources)
    [origin] = config["Origins"]
    assert "OriginAccessControlId" in origin and origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    _, oac = _one(resources, "AWS::CloudFront::OriginAccessControl")
    assert oac["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert config["DefaultRootObject"] == "index.html"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https" and "ResponseHeadersPolicyId" in behavior
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    fallback = {(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]}
    assert fallback == {(403, 200, "/index.html"), (404, 200, "/index.html")}
    assert "Bucket" in config["Logging"]


def test_the_headers_forbid_inline_script_and_framing_and_demand_https(resources: Resources) -> None:
    _, policy = _one(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = _csp(resources)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    # the page talks to itself, the API, the login and the user pool's discovery document, nothing else
    assert directives["connect-src"].split() == [
        "'self'", "https://<ref>.execute-api.<ref>.<ref>", "https://<ref>.auth.<ref>.amazoncognito.com",
        "https://cognito-idp.<ref>.<ref>"]
    assert headers["StrictTransportSecurity"] == {"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True,
                                                  "Preload": True, "Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert headers["ContentSecurityPolicy"]["Override"] is True


def test_the_console_client_does_only_the_code_flow_back_to_the_console(resources: Resources) -> None:
    client = _console_client(resources)
    origin = _console_origin(resources)
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]  # no password sign-in with this client
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    parts = origin["Fn::Join"][1]
    assert client["CallbackURLs"] == [{"Fn::Join": ["", [*parts, "/callback"]]}]
    assert client["LogoutURLs"] == [{"Fn::Join": ["", [*parts, "/"]]}]


def test_the_login_is_the_user_pools_own_domain(resources: Resources) -> None:
    _, domain = _one(resources, "AWS::Cognito::UserPoolDomain")
    pool_key = next(iter(of_type(resources, "AWS::Cognito::UserPool")))
    assert domain["UserPoolId"] == {"Ref": pool_key}
    assert domain["ManagedLoginVersion"] == 1  # the hosted UI: no branding resource needed
    assert "mailgatestack-" in _text(domain["Domain"]) and "AWS::AccountId" in _text(domain["Domain"])


def test_the_api_answers_preflights_for_the_console_and_nothing_else(resources: Resources) -> None:
    origin = _console_origin(resources, quote="'")
    preflights = [r["Properties"] for r in of_type(resources, "AWS::ApiGateway::Method").values()
                  if r["Properties"]["HttpMethod"] == "OPTIONS"]
    assert len(preflights) == 2  # "/" and "/{proxy+}": the console never calls the digest's links
    for method in preflights:
        assert method["AuthorizationType"] == "NONE" and method["Integration"]["Type"] == "MOCK"
        [answer] = method["Integration"]["IntegrationResponses"]
        headers = answer["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == origin
        assert "ResponseTemplates" not in answer  # one origin: no template picking among several
        assert headers["method.response.header.Access-Control-Allow-Headers"] == "'Authorization,Content-Type'"
        assert headers["method.response.header.Access-Control-Expose-Headers"] == "'X-Next-Cursor'"
        assert "method.response.header.Access-Control-Allow-Credentials" not in headers


def test_the_apis_own_refusals_are_readable_by_the_console_only(resources: Resources) -> None:
    responses = {r["Properties"]["ResponseType"]: r["Properties"]
                 for r in of_type(resources, "AWS::ApiGateway::GatewayResponse").values()}
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)  # the authorizer's 401, throttling, timeouts
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = responses[kind]["ResponseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == _console_origin(resources, "'")


def test_the_api_function_knows_the_console_origin(resources: Resources) -> None:
    _, function = _one(resources, "AWS::Lambda::Function", "AdminApi")
    assert function["Environment"]["Variables"][Env.CONSOLE_ORIGIN] == _console_origin(resources)


def test_config_json_names_the_api_the_pool_and_the_console_client(resources: Resources) -> None:
    _, deployment = _one(resources, "Custom::CDKBucketDeployment")
    distribution_key, _ = _distribution(resources)
    assert deployment["DistributionId"] == {"Ref": distribution_key} and deployment["DistributionPaths"] == ["/*"]
    markers = _text(deployment["SourceMarkers"])
    client_key = next(k for k in of_type(resources, "AWS::Cognito::UserPoolClient") if "ConsoleClient" in k)
    pool_key = next(iter(of_type(resources, "AWS::Cognito::UserPool")))
    rest_key = next(iter(of_type(resources, "AWS::ApiGateway::RestApi")))
    assert _text({"Ref": rest_key}) in markers and ".execute-api." in markers
    assert '"https://cognito-idp.", {"Ref": "AWS::Region"}' in markers and _text({"Ref": pool_key}) in markers
    assert _text({"Ref": client_key}) in markers and "/logout?client_id=" in markers


def test_the_console_url_is_an_output(template: Any) -> None:
    outputs = template.to_json()["Outputs"]
    assert any("ConsoleUrl" in key for key in outputs)


def _synth(**props: Any) -> Resources:
    """Another stack with these props, through the same cdk-nag checks as the deployed one: a finding without an
    acknowledgement fails this synth."""
    from aws_cdk import App, Validations
    from aws_cdk.assertions import Template
    from cdk_nag import AwsSolutionsChecks
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.stack import EXAMPLE_CONFIG, FEATURE_FLAGS, MailgateStack

    app = App(context=FEATURE_FLAGS)
    stack = MailgateStack(app, "MailgateStack", MailGatewayProps(gateway_config=EXAMPLE_CONFIG, **props))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return dict(Template.from_stack(stack).to_json()["Resources"])


@pytest.fixture(scope="module")
def custom_domain() -> Resources:
    from mailgate_infra.props import ApiDomain, ConsoleDomain

    return _synth(console_domain=ConsoleDomain(
        "console.example.org", "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
        api_domain=ApiDomain("api.example.org", "arn:aws:acm:eu-west-1:123456789012:certificate/abc"),
        console_login_prefix="example-org-login")


def test_a_custom_domain_is_the_alias_with_tls_1_2_and_the_origin_everywhere(custom_domain: Resources) -> None:
    _, config = _distribution(custom_domain)
    assert config["Aliases"] == ["console.example.org"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"
    assert "us-east-1" in config["ViewerCertificate"]["AcmCertificateArn"]
    client = _console_client(custom_domain)
    assert client["CallbackURLs"] == ["https://console.example.org/callback"]
    assert client["LogoutURLs"] == ["https://console.example.org/"]
    for response in of_type(custom_domain, "AWS::ApiGateway::GatewayResponse").values():
        assert response["Properties"]["ResponseParameters"][
            "gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://console.example.org'"
    _, function = _one(custom_domain, "AWS::Lambda::Function", "AdminApi")
    assert function["Environment"]["Variables"][Env.CONSOLE_ORIGIN] == "https://console.example.org"
    login = "https://<ref>.auth.<ref>.amazoncognito.com"
    assert f"connect-src 'self' https://api.example.org {login} " in _csp(custom_domain)
    _, domain = _one(custom_domain, "AWS::Cognito::UserPoolDomain")
    assert domain["Domain"] == "example-org-login"


def test_without_the_console_there_is_no_distribution_and_no_cors() -> None:
    resources = _synth(console=False)
    assert not of_type(resources, "AWS::CloudFront::Distribution")
    assert not [m for m in of_type(resources, "AWS::ApiGateway::Method").values()
                if m["Properties"]["HttpMethod"] == "OPTIONS"]
    assert not of_type(resources, "AWS::ApiGateway::GatewayResponse")
    _, function = _one(resources, "AWS::Lambda::Function", "AdminApi")
    assert Env.CONSOLE_ORIGIN not in function["Environment"]["Variables"]
    assert len(of_type(resources, "AWS::Cognito::UserPoolClient")) == 1


def test_synth_without_a_built_console_names_the_setup_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILGATE_CONSOLE_DIST", str(tmp_path / "dist"))
    with pytest.raises(FileNotFoundError, match=r"scripts/setup\.sh"):
        _synth()


def test_a_certificate_outside_us_east_1_is_refused_before_synth() -> None:
    from mailgate_infra.props import ConsoleDomain

    with pytest.raises(ValueError, match="us-east-1"):
        ConsoleDomain("console.example.org", "arn:aws:acm:eu-west-1:123456789012:certificate/abc")


@pytest.mark.parametrize("prefix", ["Mailgate", "my-aws-login", "-x", "a" * 64])
def test_a_login_prefix_cognito_would_refuse_is_refused_before_synth(prefix: str) -> None:
    from mailgate_infra.props import MailGatewayProps
    from mailgate_infra.stack import EXAMPLE_CONFIG

    with pytest.raises(ValueError, match="console_login_prefix"):
        MailGatewayProps(gateway_config=EXAMPLE_CONFIG, console_login_prefix=prefix)


def test_cdk_context_keys_reach_the_console_props() -> None:
    """`cdk deploy -c consoleDomain=… -c consoleCertificateArn=… -c consoleLoginPrefix=…` as docs/deploy.md
    says; `-c console=false` leaves the console out."""
    from aws_cdk import App
    from mailgate_infra.stack import props_from_context

    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    props = props_from_context(App(context={"consoleDomain": "mail.example.com", "consoleCertificateArn": cert,
                                            "consoleLoginPrefix": "example-mail"}))
    assert props.console is True
    assert props.console_domain is not None
    assert (props.console_domain.domain_name, props.console_domain.certificate_arn) == ("mail.example.com", cert)
    assert props.console_login_prefix == "example-mail"
    assert props_from_context(App(context={"console": "false"})).console is False
