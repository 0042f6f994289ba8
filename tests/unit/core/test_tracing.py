"""Functions are traced with X-Ray in Lambda, and nothing else pays the X-Ray SDK's import."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = ("import sys; from mailgate.tracing import function_tracer; t = function_tracer('mailgate-rules');"
        "h = t.capture_lambda_handler(lambda event, context: 'ok'); t.put_annotation(key='message_id', value='m1');"
        "print(type(t).__name__, 'aws_xray_sdk.core' in sys.modules)")


def run(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_XRAY_DAEMON_ADDRESS")}
    child = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True,
                           env={**base, "AWS_DEFAULT_REGION": "us-east-1", **env})
    return child.stdout.strip()


def test_a_function_with_active_tracing_gets_the_powertools_tracer() -> None:
    assert run(AWS_LAMBDA_FUNCTION_NAME="mailgate-rules", AWS_XRAY_DAEMON_ADDRESS="169.254.79.129:2000") \
        == "Tracer True"


def test_local_mode_and_the_tests_do_not_load_the_xray_sdk() -> None:
    assert run() == "_NoTracer False"
