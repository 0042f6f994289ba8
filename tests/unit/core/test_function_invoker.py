"""The admin API's synchronous invocation of the rules function. Lambda cannot run here (moto needs Docker for
it), so botocore's Stubber plays Lambda's answers: a JSON object, a function error, an answer that is no object."""

from __future__ import annotations

import io
import json

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from mailgate.aws.function_invoker import InvocationFailed, LambdaInvoker


def answered(payload: bytes, error: str | None = None) -> dict:
    answer = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))}
    return {**answer, "FunctionError": error} if error else answer


@pytest.fixture
def invoker(aws):
    return LambdaInvoker("rules")


@pytest.fixture
def lambda_stub(invoker):
    with Stubber(invoker.client) as stub:
        yield stub


def test_the_functions_json_answer_comes_back(invoker, lambda_stub):
    expected = {"FunctionName": "rules", "InvocationType": "RequestResponse",
                "Payload": json.dumps({"mailgate_release": {"backup_id": "b"}}).encode()}
    lambda_stub.add_response("invoke", answered(b'{"request_id": "r"}'), expected)
    assert invoker({"mailgate_release": {"backup_id": "b"}}) == {"request_id": "r"}


@pytest.mark.parametrize(("payload", "error", "says"), [
    (b'{"errorMessage": "boom"}', "Unhandled", "rules failed: {\"errorMessage\": \"boom\"}"),
    (b"[1, 2]", None, "not a JSON object"),
])
def test_a_failed_or_strange_answer_is_an_error_that_says_so(invoker, lambda_stub, payload, error, says):
    lambda_stub.add_response("invoke", answered(payload, error))
    with pytest.raises(InvocationFailed, match=says.replace("[", r"\[")):
        invoker({})


def test_a_function_that_cannot_be_invoked_says_which(invoker, lambda_stub):
    lambda_stub.add_client_error("invoke", "ResourceNotFoundException", "Function not found: rules")
    with pytest.raises(InvocationFailed, match=r"rules could not be invoked: .*Function not found"):
        invoker({})
    config = invoker.client.meta.config
    assert config.read_timeout == 28.0 and config.retries["total_max_attempts"] == 1  # a release is never invoked twice
