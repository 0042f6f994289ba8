"""schemathesis against the running local API's /openapi.json, as an Administrator: no 5xx for any input.

Bounded: a few examples per operation (about 30 s in all), only loopback. Settings changes that
schemathesis manages to make are undone afterwards, so the rest of the suite sees the same gateway.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from mailgate.wiring import process
from tests.support.cognito import api

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 50


def test_no_generated_request_gets_a_server_error(gateway):
    status, exported = api(gateway, "GET", "/settings/export")
    assert status == 200
    schema = schemathesis.openapi.from_url(f"{gateway.api_url}/openapi.json")
    headers = {"Authorization": f"Bearer {gateway.admin_token()}"}
    failures: list[str] = []
    answered: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    def explore(operation):
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(base_url=gateway.api_url, headers=headers, timeout=30)
            answered[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{operation.label}: {response.status_code} for {case.path_parameters} "
                                f"{case.query} {json.dumps(case.body, default=str)[:300]}: {response.text[:300]}")

        run()

    try:
        for operation in operations:
            explore(operation)
    finally:
        _status, current = api(gateway, "GET", "/settings/general")
        exported.pop("exported_at")
        status, reply = api(gateway, "POST", f"/settings/import?version={current['version']}", body=exported)
        process.reset()  # the in-process functions must not keep a changed configuration for 30 s
        assert status == 200, reply
    assert not failures, "\n".join(failures[:10])
    assert answered[200] and answered[422], answered  # it reached the views, not only the validation
