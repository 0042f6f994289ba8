"""The event local mode builds is the one the stack's REST API (`ANY /` and `ANY /{proxy+}`, Lambda proxy
integration) sends: the path as the client sent it, path and query parameters decoded."""

from __future__ import annotations

from mailgate.local.api_server import api_gateway_event


def test_the_path_stays_encoded_and_the_proxy_path_parameter_is_decoded() -> None:
    event = api_gateway_event("POST", "/settings/rules/Partner%20skip/import", {}, b"{}")
    assert event["path"] == "/settings/rules/Partner%20skip/import"
    assert event["resource"] == "/{proxy+}"
    assert event["pathParameters"] == {"proxy": "settings/rules/Partner skip/import"}
    assert event["requestContext"]["resourcePath"] == "/{proxy+}"
    assert event["requestContext"]["path"] == "/local/settings/rules/Partner%20skip/import"
    assert event["body"] == "{}" and event["isBase64Encoded"] is False


def test_the_root_is_its_own_resource_without_path_parameters() -> None:
    event = api_gateway_event("GET", "/?a=1", {}, b"")
    assert (event["resource"], event["path"], event["pathParameters"], event["body"]) == ("/", "/", None, None)


def test_query_parameters_are_decoded_with_the_last_value_in_the_single_value_map() -> None:
    event = api_gateway_event("GET", "/events?subject=Q3+report%2Bplan%25&subject=last&empty=", {}, b"")
    assert event["multiValueQueryStringParameters"] == {"subject": ["Q3 report+plan%", "last"], "empty": [""]}
    assert event["queryStringParameters"] == {"subject": "last", "empty": ""}
    assert api_gateway_event("GET", "/events", {}, b"")["queryStringParameters"] is None


def test_repeated_headers_keep_every_value_and_claims_travel_as_the_authorizer_put_them() -> None:
    claims = {"sub": "s-1", "cognito:groups": "Administrator"}
    event = api_gateway_event("GET", "/me", [("Accept", "a/b"), ("X-Forwarded-For", "1"), ("X-Forwarded-For", "2")],
                              b"", claims)
    assert event["multiValueHeaders"] == {"Accept": ["a/b"], "X-Forwarded-For": ["1", "2"]}
    assert event["headers"] == {"Accept": "a/b", "X-Forwarded-For": "2"}
    assert event["requestContext"]["authorizer"] == {"claims": claims}
    assert event["requestContext"]["requestId"] != api_gateway_event("GET", "/me", {}, b"")["requestContext"][
        "requestId"]
